// Examples are tests: every scenario in scenarios/ decodes and runs a few ticks with finite metrics.
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadScenario } from "../src/scenario/load.js"
import { simulate } from "../src/run/simulation.js"

const dir = join(import.meta.dirname, "../scenarios")
const files = readdirSync(dir).filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))

describe("shipped scenarios", () => {
  for (const f of files) {
    it(`${f} runs`, async () => {
      const file = join(dir, f)
      const r = await simulate(loadScenario(file), { file, ticks: 3, recordEvery: 1 })
      expect(r.metrics.rows.length).toBe(4)
      for (const row of r.metrics.rows) for (const v of row) expect(Number.isFinite(v)).toBe(true)
    })
  }
})

describe("cooling.json", () => {
  it("slow cooling after heating leaves lower frustration than a quench or no heating", async () => {
    const file = join(dir, "cooling.json")
    const base = loadScenario(file)
    const final = async (overrides: string[]) => {
      const r = await simulate(loadScenario(file, overrides), { file, recordEvery: base.ticks })
      return r.metrics.rows[r.metrics.rows.length - 1][r.metrics.columns.indexOf("frustration_mean")]
    }
    const slow = await final([])
    const quench = await final(["energy.gamma=0.5"])
    const never = await final(["interventions[0].dose=0"])
    expect(slow).toBeLessThan(quench - 0.1)
    expect(slow).toBeLessThan(never - 0.1)
  })
})
