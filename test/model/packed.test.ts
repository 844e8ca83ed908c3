// The packed-belief mirror (kernel.ts `pack`, `packedSocial`) changes no bit: the same ticks run with the mirror
// (the tick's pack phase first) and without it (the Int8 spins path, as before the mirror) end in identical states,
// for one power-of-two weight on every tie (counted path) and for varied weights (neighbour-by-neighbour path).
import { describe, expect, it } from "vitest"
import { Engine, Phase, runPhase, tickPhases } from "../../src/model/engine.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { scenario } from "../support/scenario.js"

const NO_METRICS = new Float64Array(0)

/** Runs `ticks` ticks; without `mirror` the pack phase is left out, so the kernel reads the Int8 spins. */
const run = (json: Record<string, unknown>, ticks: number, mirror: boolean) => {
  const world = prepareWorld(scenario(json))
  const engine = new Engine(world)
  const phases = tickPhases(world).filter((p) => mirror || p.kind !== Phase.pack)
  for (let t = 0; t < ticks; t++) for (const p of phases) runPhase(engine.kernel, p.kind, p.lo, p.hi, NO_METRICS)
  return world
}

const base = {
  graph: { kind: "barabasiAlbert", n: 1500, m: 4 },
  beliefs: Array.from({ length: 20 }, (_, a) => ({ name: `b${a}`, expressed: a % 7 !== 3 })),
  prior: { sd: 0.3, noise: 0.1 },
  social: { conformity: 0.3 },
  sweeps: 2
}

describe("packed beliefs", () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ["one weight, 1, on every tie (counted)", base],
    ["one weight, 0.25, on every tie (counted)", { ...base, weights: { mean: 0.25 } }],
    ["varied positive weights (neighbour by neighbour)", { ...base, weights: { mean: 0.7, sd: 0.1 } }]
  ]
  for (const [name, json] of cases) {
    it(`leave every state array bit-identical: ${name}`, () => {
      const packed = run(json, 6, true)
      // The case's weights are what its name says (a negative one would send every agent down the general path).
      const w = packed.topology.weights
      expect(w.every((v) => v > 0)).toBe(true)
      expect(w.every((v) => v === w[0])).toBe(!name.startsWith("varied"))
      const plain = run(json, 6, false)
      const start = prepareWorld(scenario(json)).state.spins
      let moved = 0
      for (let k = 0; k < start.length; k++) if (start[k] !== plain.state.spins[k]) moved++
      expect(moved).toBeGreaterThan(1000)
      for (const [key, v] of Object.entries(plain.state)) {
        expect(Buffer.from(packed.state[key as keyof typeof packed.state].buffer).equals(Buffer.from(v.buffer)), key).toBe(true)
      }
    })
  }

  it("the mirror holds the spins after a tick's sweeps", () => {
    const world = prepareWorld(scenario(base))
    const engine = new Engine(world)
    engine.step()
    const { n, B } = world.constants
    for (let i = 0; i < n; i++) {
      let word = 0
      for (let a = 0; a < B; a++) if (world.state.spins[i * B + a] > 0) word |= 1 << a
      expect(engine.kernel.packed[i]).toBe(word >>> 0)
    }
  })
})
