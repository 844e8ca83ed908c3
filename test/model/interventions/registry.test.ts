// The intervention registry: one entry per kind, each with its schema member, doc line and effect on the inputs.
import { describe, expect, it } from "vitest"
import { interventionKinds } from "../../../src/model/interventions/index.js"
import { timing } from "../../../src/scenario/fields.js"
import type { Inputs } from "../../../src/model/state.js"
import { Timeline } from "../../../src/model/timeline.js"
import type { World } from "../../../src/model/world.js"
import { engineFor } from "../../support/scenario.js"

const timingFields = Object.keys(timing)

describe("the registry", () => {
  it("lists the built-in kinds once each, in documentation order", () => {
    expect(interventionKinds.map((e) => e.kind)).toEqual([
      "ritual", "meditation", "psychedelic", "sinks", "sleep", "fieldAnnealing", "seedMeme", "shock"
    ])
  })

  it("gives every member `kind` and the shared timing fields first, then the kind's own", () => {
    for (const e of interventionKinds) expect(Object.keys(e.schema.fields).slice(0, 6)).toEqual(["kind", ...timingFields])
  })

  it("documents exactly the kind's own fields", () => {
    for (const e of interventionKinds) {
      const own = Object.keys(e.schema.fields).filter((f) => f !== "kind" && !timingFields.includes(f))
      const documented = [...e.doc.parameters.matchAll(/`(\w+)`\s*(?:\(|,|$)/g)].map((m) => m[1])
      expect(documented, e.kind).toEqual(own)
    }
  })
})

const world = (intervention: Record<string, unknown>): World =>
  engineFor({
    graph: { kind: "connectedCaveman", caves: 2, size: 4, groups: ["blue"] },
    beliefs: [{ name: "a" }, { name: "fact", kind: "factual", truth: 1 }],
    groups: [{ name: "blue" }],
    memes: [{ name: "m", content: { a: -1 } }],
    interventions: [{ target: { ids: ["1"] }, ...intervention }]
  }).world

/** For each kind: a minimal intervention on agent 1 and what its first tick must leave in the inputs. */
const cases: Record<string, { json: Record<string, unknown>; expect: (x: Inputs, w: World) => void }> = {
  ritual: {
    json: { alpha: 2, content: { a: 1 }, strength: 0.5, bond: 0.25 },
    expect: (x, w) => {
      expect([x.heat[1], x.ritual[1], x.ritual[0], x.bond[0]]).toEqual([2, 0, -1, 0.25])
      expect(x.field[1 * w.constants.B]).toBe(0.5)
    }
  },
  meditation: {
    json: { variant: "metta", depth: 0.5, sensory: 0.25, valence: 0.5, content: { a: -1 } },
    expect: (x, w) => expect([x.depth[1], x.heat[1], x.valence[1], x.field[1 * w.constants.B]]).toEqual([0.5, 0.25, 0.5, -1])
  },
  psychedelic: {
    json: { dose: 2, volatility: 0.5, complexityBias: 0.25 },
    expect: (x) => expect([x.heat[1], x.volatility[1], x.complexityBias[1], x.heat[0]]).toEqual([2, 0.5, 0.25, 0])
  },
  sinks: { json: { load: 2 }, expect: (x) => expect([x.sinks[1], x.sinks[0]]).toEqual([2, 0]) },
  sleep: {
    json: { cycle: 2, nrem: 2, rem: 0, energy: 0.5, housekeeping: 0.25 },
    expect: (x) => expect([x.sleep[1], x.heat[1], x.housekeeping[1]]).toEqual([1, 0.5, 0.25])
  },
  fieldAnnealing: {
    json: { heat: 2, consonance: 0.5 },
    expect: (x) => expect([x.fieldHeat[1], x.consonance[1], x.fieldHeat[0]]).toEqual([2, 0.5, 0])
  },
  seedMeme: {
    json: { meme: "m" },
    expect: (_x, w) => expect([w.state.spins[1 * w.constants.B], w.state.salience[1]]).toEqual([-1, 1])
  },
  shock: {
    json: { flip: ["fact"], surprise: 0.5 },
    expect: (x, w) => expect([w.state.truth[w.beliefIndex.get("fact")!], x.heat[1]]).toEqual([-1, 0.5])
  }
}

describe("each kind's effect on the inputs at onset", () => {
  it("has a case for every registered kind", () => {
    expect(Object.keys(cases).sort()).toEqual(interventionKinds.map((e) => e.kind).sort())
  })

  for (const [kind, c] of Object.entries(cases)) {
    it(kind, () => {
      const w = world({ kind, ...c.json })
      new Timeline(w).apply(0)
      c.expect(w.inputs, w)
    })
  }
})
