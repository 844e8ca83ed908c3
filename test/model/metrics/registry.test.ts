// The metric registry: one declaration per column, so names, order, slots and values stay in step.
import { describe, expect, it } from "vitest"
import { Slot } from "../../../src/model/kernel.js"
import { metricColumns, metricFamilies } from "../../../src/model/metrics/index.js"
import { engineFor } from "../../support/scenario.js"

const engine = () =>
  engineFor({
    graph: { kind: "connectedCaveman", caves: 4, size: 5, groups: ["blue", "red"] },
    beliefs: [{ name: "a" }, { name: "b" }, { name: "c" }],
    groups: [{ name: "blue", content: { a: 1 } }, { name: "red", content: { b: 1 } }],
    memes: [{ name: "m", content: { a: 1 } }, { name: "n", content: { b: -1 } }],
    patterns: [{ name: "low", beliefs: { a: -1, b: -1 } }],
    interventions: [{ kind: "seedMeme", meme: "m", target: { group: "blue" } }]
  })

describe("metric families", () => {
  it("give the columns in a stable order", () => {
    expect(metricColumns(engine().world)).toEqual([
      "tick", "energy_mean", "energy_sd", "temperature_mean", "plasticity_mean", "dissonance_mean",
      "social_dissonance_mean", "frustration_mean", "complexity_mean", "disagreement_mean", "edge_disagreement",
      "share_m", "share_n", "salience_m", "salience_n", "attachment_blue", "attachment_red",
      "group_blue_size", "group_red_size", "group_blue_energy_mean", "group_red_energy_mean",
      ...["blue", "red"].flatMap((g) => ["a", "b", "c", "member:blue", "member:red"].map((b) => `group_${g}_belief_${b}_mean`)),
      "group_blue_share_m", "group_blue_share_n", "group_red_share_m", "group_red_share_n",
      "occupancy_low",
      "belief_a_mean", "belief_b_mean", "belief_c_mean", "belief_member:blue_mean", "belief_member:red_mean"
    ])
  })

  it("give one value per column, never a duplicate name", () => {
    const e = engine()
    for (let t = 0; t < 3; t++) e.step()
    const row = e.measure()
    expect(row).toHaveLength(e.columns.length)
    expect(new Set(e.columns).size).toBe(e.columns.length)
    const at = (c: string) => row[e.columns.indexOf(c)]
    expect(at("tick")).toBe(3)
    // seedMeme gave the blue village's members meme m and belief a.
    expect(at("share_m")).toBeGreaterThan(0)
    expect(row.every(Number.isFinite)).toBe(true)
  })

  it("read every slot the kernel measures, and only those", () => {
    const read = new Set(metricFamilies.flatMap((f) => f.slots))
    expect([...read].sort()).toEqual(Object.keys(Slot).sort())
  })

  it("have unique names and document every column", () => {
    expect(new Set(metricFamilies.map((f) => f.family)).size).toBe(metricFamilies.length)
    for (const f of metricFamilies) for (const c of f.columns) expect(c.doc.length, f.family).toBeGreaterThan(0)
  })
})
