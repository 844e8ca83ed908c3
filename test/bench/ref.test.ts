// The C reference kernel (bench/ref/kernel.c) computes the same update as the JavaScript kernel: after the same
// ticks from the same dumped world, every spin, coupling, energy, prediction error and random state is
// bit-identical. Skipped where gcc is missing.
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeScenario } from "../../src/scenario/load.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { Engine } from "../../src/model/engine.js"
import { kernelScenario } from "../../bench/scenario.mjs"
import { buildReference, dumpWorld, hasGcc, readState, removeDir, runReference, unsupported } from "../../bench/ref/world.mjs"

const gcc = hasGcc()

/** Runs `ticks` ticks in C and in the Engine from one world; returns both final states and the initial spins. */
const both = (bin: string, dir: string, scenario: Record<string, unknown>, ticks: number) => {
  const world = prepareWorld(decodeScenario(scenario))
  const start = world.state.spins.slice()
  const input = join(dir, "world.bin")
  const output = join(dir, "state.bin")
  dumpWorld(world, input)
  runReference(bin, input, ticks, 0, output)
  const engine = new Engine(world)
  for (let t = 0; t < ticks; t++) engine.step()
  const { n, B, P } = world.constants
  return { c: readState(output, n, B, P), js: world.state, start }
}

/** Indices where two arrays differ bit for bit (Object.is: -0 and NaN count). */
const differences = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) d++
  return a.length === b.length ? d : Infinity
}

describe.skipIf(!gcc)("C reference kernel", () => {
  let ref: { dir: string; bin: string }
  beforeAll(() => {
    ref = buildReference()
  })
  afterAll(() => removeDir(ref.dir))

  const cases: Array<[string, Record<string, unknown>]> = [
    ["hot (every agent fully plastic)", kernelScenario(2000, 5, "hot")],
    ["cold (rigid networks)", kernelScenario(2000, 5, "cold")],
    // Default energy dynamics (surprise heats, gamma cools), two sweeps, individual dispositions.
    ["energy dynamics, two sweeps, individual dispositions", { ...kernelScenario(1500, 6, "hot"), energy: {}, plasticity: {}, sweeps: 2, prior: { sd: 0.3, noise: 0.1, hNoise: 0.2 } }]
  ]
  for (const [name, scenario] of cases) {
    it(`agrees with the JavaScript kernel bit for bit: ${name}`, () => {
      const { c, js, start } = both(ref.bin, ref.dir, scenario, Number(scenario.ticks))
      // Not vacuous: beliefs moved, and the prediction error was computed.
      expect(differences(js.spins, start)).toBeGreaterThan(100)
      expect(js.surprise.some((v) => v > 0)).toBe(true)
      expect(differences(c.spins, js.spins)).toBe(0)
      expect(differences(c.couplings, js.couplings)).toBe(0)
      expect(differences(c.energy, js.energy)).toBe(0)
      expect(differences(c.surprise, js.surprise)).toBe(0)
      expect(differences(c.rng, js.rng)).toBe(0)
    })
  }

  it("refuses a world outside the update it implements", () => {
    const memes = prepareWorld(decodeScenario({ ...kernelScenario(50, 1, "hot"), memes: [{ name: "m", content: { b0: 1 } }] }))
    expect(unsupported(memes)).toBe("memes")
    expect(() => dumpWorld(memes, join(ref.dir, "memes.bin"))).toThrow(/does not implement memes/)
  })
})
