// The groups family: each group's size, mean energy, mean beliefs and meme shares equal the same statistics
// computed directly from the state; a scenario without groups has no such columns.
import { describe, expect, it } from "vitest"
import { metricColumns } from "../../../src/model/metrics/index.js"
import { engineFor } from "../../support/scenario.js"

const scenario = {
  graph: { kind: "connectedCaveman", caves: 4, size: 5, groups: ["blue", "red"] },
  beliefs: [{ name: "a" }, { name: "b" }],
  groups: [{ name: "blue", content: { a: 1 } }, { name: "red", content: { b: 1 } }],
  memes: [{ name: "m", content: { a: 1 } }],
  interventions: [{ kind: "seedMeme", meme: "m", target: { group: "blue" } }]
}

describe("groups metrics", () => {
  it("equal each group's statistics computed from the state", () => {
    const e = engineFor(scenario)
    for (let t = 0; t < 4; t++) e.step()
    const row = e.measure()
    const at = (c: string) => row[e.columns.indexOf(c)]
    const { constants: c, state: s, groupNames } = e.world
    groupNames.forEach((g, k) => {
      const members = Array.from({ length: c.n }, (_, i) => i).filter((i) => c.groupOf[i] === k)
      const mean = (f: (i: number) => number) => members.reduce((sum, i) => sum + f(i), 0) / members.length
      expect(at(`group_${g}_size`)).toBe(members.length)
      expect(at(`group_${g}_energy_mean`)).toBeCloseTo(mean((i) => s.energy[i]), 12)
      e.world.beliefs.forEach((b, a) => expect(at(`group_${g}_belief_${b.name}_mean`)).toBeCloseTo(mean((i) => s.spins[i * c.B + a]), 12))
      expect(at(`group_${g}_share_m`)).toBeCloseTo(mean((i) => s.hosts[i * c.M]), 12)
    })
    // the meme was seeded in blue only; identity beliefs are +1 inside the group
    expect(at("group_blue_share_m")).toBeGreaterThan(at("group_red_share_m"))
    expect(at("group_blue_belief_member:blue_mean")).toBe(1)
  })

  it("exist only when the scenario has groups", () => {
    const { graph: _g, groups: _groups, interventions: _i, ...plain } = scenario
    const columns = metricColumns(engineFor({ ...plain, graph: { kind: "complete", n: 10 } }).world)
    expect(columns.filter((c) => c.startsWith("group_"))).toEqual([])
  })
})
