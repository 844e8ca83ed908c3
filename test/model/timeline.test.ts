// The intervention timeline: schedules, targets, and what each kind feeds the kernels.
import { describe, expect, it } from "vitest"
import { phaseAt } from "../../src/model/timeline.js"
import { decodeScenario } from "../../src/scenario/load.js"
import { engineFor } from "../support/scenario.js"

const iv = (json: Record<string, unknown>) =>
  decodeScenario({ name: "x", graph: { kind: "complete", n: 2 }, beliefs: [{ name: "a" }], interventions: [json] }).interventions[0]

describe("schedules", () => {
  it("repeat every period for the duration, and stop starting at `until`", () => {
    const weekly = iv({ kind: "sinks", start: 3, duration: 2, every: 7, until: 17 })
    const active = Array.from({ length: 30 }, (_, t) => phaseAt(weekly, t) >= 0)
    const ticks = active.flatMap((a, t) => (a ? [t] : []))
    // The occurrence at 17 would start at `until` and does not happen.
    expect(ticks).toEqual([3, 4, 10, 11])
    expect(phaseAt(weekly, 10)).toBe(0)
    expect(phaseAt(weekly, 11)).toBe(1)
    const once = iv({ kind: "sinks", start: 5, duration: 3 })
    expect([4, 5, 7, 8].map((t) => phaseAt(once, t))).toEqual([-1, 0, 2, -1])
  })
})

const population = (interventions: unknown[], extra: Record<string, unknown> = {}) =>
  engineFor({
    graph: { kind: "connectedCaveman", caves: 4, size: 5, groups: ["blue", "red"] },
    beliefs: [{ name: "a" }, { name: "b" }, { name: "fact", kind: "factual", truth: 1 }],
    groups: [{ name: "blue", content: { a: 1 } }, { name: "red", content: { b: 1 } }],
    memes: [{ name: "m", content: { a: 1, b: -1 } }],
    interventions,
    ...extra
  })

describe("what each intervention sets", () => {
  it("ritual: energy alpha × sync to attendees, content field, shared ritual index for bonding", () => {
    const e = population([{ kind: "ritual", target: { group: "blue" }, group: "blue", content: { a: 1 }, strength: 2, alpha: 1.5 }])
    e.step()
    const { inputs: x, graph, beliefIndex, constants: c } = e.world
    const blue = graph.groupNames.indexOf("blue")
    for (let i = 0; i < graph.n; i++) {
      const member = graph.group[i] === blue
      expect(x.heat[i]).toBe(member ? 1.5 : 0)
      expect(x.ritual[i]).toBe(member ? 0 : -1)
      expect(x.field[i * c.B + beliefIndex.get("a")!]).toBe(member ? 2 : 0)
    }
    expect(x.bond[0]).toBe(0.5)
  })

  it("ritual: partial attendance lowers sync for everyone who comes", () => {
    const e = population([{ kind: "ritual", target: { group: "red" }, group: "red", alpha: 1, attendance: 0.5 }])
    e.step()
    const { inputs: x, graph } = e.world
    const red = graph.groupNames.indexOf("red")
    const members = [...graph.group].filter((g) => g === red).length
    const attending = [...x.ritual].filter((r) => r === 0).length
    expect(attending).toBeGreaterThan(0)
    expect(attending).toBeLessThan(members)
    for (let i = 0; i < graph.n; i++) if (x.ritual[i] === 0) expect(x.heat[i]).toBeCloseTo(attending / members, 12)
  })

  it("meditation: depth and content-free input; metta adds content and valence", () => {
    const e = population([
      { kind: "meditation", target: { ids: ["0"] }, depth: 0.9, sensory: 0.3 },
      { kind: "meditation", target: { ids: ["1"] }, variant: "metta", content: { b: 1 }, valence: 0.4 }
    ])
    e.step()
    const x = e.world.inputs
    const B = e.world.constants.B
    expect([x.depth[0], x.heat[0], x.valence[0], x.field[0 * B + 1]]).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.3, 6), 0, 0])
    expect([x.valence[1], x.field[1 * B + 1]]).toEqual([expect.closeTo(0.4, 6), 1])
  })

  it("psychedelic: the dose at onset only, volatility and complexity bias while acute", () => {
    const e = population([{ kind: "psychedelic", target: { ids: ["2"] }, start: 1, duration: 3, dose: 2, volatility: 0.4, complexityBias: 0.5 }])
    const x = e.world.inputs
    const seen: number[][] = []
    for (let t = 0; t < 5; t++) {
      e.step()
      seen.push([x.heat[2], x.volatility[2], x.complexityBias[2]].map((v) => Math.round(v * 1e6) / 1e6))
    }
    expect(seen).toEqual([[0, 0, 0], [2, 0.4, 0.5], [0, 0.4, 0.5], [0, 0.4, 0.5], [0, 0, 0]])
  })

  it("sleep: awake, then nREM (housekeeping), then REM (random fields) each cycle", () => {
    const e = population([{ kind: "sleep", duration: 20, cycle: 10, nrem: 3, rem: 2, energy: 0.5, housekeeping: 0.1, volatility: 0.3 }])
    const phases: number[] = []
    for (let t = 0; t < 20; t++) {
      e.step()
      phases.push(e.world.inputs.sleep[0])
    }
    expect(phases).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2])
  })

  it("shock flips factual truth at onset; seedMeme sets content and salience", () => {
    const e = population([
      { kind: "shock", flip: ["fact"], start: 2, surprise: 0.7 },
      { kind: "seedMeme", meme: "m", target: { ids: ["3"] }, start: 1 }
    ])
    e.step()
    expect(e.world.state.truth[2]).toBe(1)
    e.step()
    // Tick 1 seeded agent 3: salience starts at 1 (it may decay after the tick's own update).
    expect(e.world.state.salience[3]).toBeGreaterThan(0.8)
    e.step()
    expect(e.world.state.truth[2]).toBe(-1)
    expect(e.world.inputs.heat[0]).toBeCloseTo(0.7, 12)
  })

  it("sinks speed cooling by (1 + load)", () => {
    const common = { energy: { rest: 0, initial: 2, gamma: 0.1, surprise: 0 } }
    const base = population([], common)
    const loaded = population([{ kind: "sinks", load: 1, duration: 10 }], common)
    base.step()
    loaded.step()
    expect(base.world.state.energy[0]).toBeCloseTo(2 * 0.9, 12)
    expect(loaded.world.state.energy[0]).toBeCloseTo(2 * 0.8, 12)
  })

  it("targets: a random fraction is drawn from the seed; topDegree picks the hubs", () => {
    const a = population([{ kind: "sinks", target: { fraction: 0.25 } }])
    const b = population([{ kind: "sinks", target: { fraction: 0.25 } }])
    expect(a.world.targets[0].length).toBe(5)
    expect([...a.world.targets[0]]).toEqual([...b.world.targets[0]])
    const hubs = engineFor({
      graph: { kind: "barabasiAlbert", n: 200, m: 2 },
      beliefs: [{ name: "a" }],
      interventions: [{ kind: "sinks", target: { topDegree: 5 } }]
    })
    const deg = hubs.world.topology.degree
    const minHub = Math.min(...[...hubs.world.targets[0]].map((i) => deg[i]))
    const others = [...deg].filter((_, i) => !hubs.world.targets[0].includes(i))
    expect(Math.max(...others)).toBeLessThanOrEqual(minHub)
  })
})
