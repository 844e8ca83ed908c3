// Measurements reuse frustration and complexity while an agent's couplings are unchanged: every record of a run
// must equal a measurement made from scratch (a fresh per-agent buffer) of the same state.
import { describe, expect, it } from "vitest"
import { Kernel, Memo, SLOTS } from "../../src/model/kernel.js"
import { loadScenario } from "../../src/scenario/load.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { Engine } from "../../src/model/engine.js"

const scenarios = ["scenarios/default.json", "scenarios/cooling.json"]

describe("measurement memo", () => {
  for (const file of scenarios) {
    it(`${file}: each record equals a measurement from scratch, while cooled agents hit the memo`, () => {
      const s = loadScenario(file)
      const world = prepareWorld(s, file)
      const engine = new Engine(world)
      const n = world.constants.n
      let reused = 0
      for (let t = 0; t < 40; t++) {
        const before = engine.perAgent.slice()
        engine.step()
        engine.measure()
        const fresh = new Float64Array(n * SLOTS)
        new Kernel({ constants: world.constants, state: world.state, inputs: world.inputs, topology: world.topology }).measure(0, n, fresh)
        expect(Buffer.from(engine.perAgent.buffer).equals(Buffer.from(fresh.buffer))).toBe(true)
        for (let i = 0; i < n; i++) if (before[i * SLOTS + Memo.couplingsLo] === fresh[i * SLOTS + Memo.couplingsLo]) reused++
      }
      expect(reused).toBeGreaterThan(0)
    })
  }
})
