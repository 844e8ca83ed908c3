// Claim 10: field annealing lowers frustration faster than uniform heating with the same total energy.
import { describe, expect, it } from "vitest"
import { averageOf, byCondition, report, runClaim, zAbove } from "./support.js"

describe("claim 10: field annealing vs uniform heating", async () => {
  const runs = await runClaim("10-field-annealing.json")
  const at = (tick: number) => byCondition(runs, averageOf("frustration_mean", tick, tick))
  const energy = byCondition(runs, averageOf("energy_mean", 25, 120))
  report("claim 10", "energy_mean, ticks 25-120", energy)

  it("uniform heating spends more energy than field annealing", () => {
    expect(zAbove(energy.field, energy.uniform)).toBeGreaterThan(3)
  })

  it("field annealing has lowered frustration further at ticks 40, 70 and 150 (> 3 SE), even with the local heat alone", () => {
    for (const tick of [40, 70, 150]) {
      const f = at(tick)
      report("claim 10", `frustration_mean at tick ${tick}`, f)
      expect(zAbove(f.field, f.uniform)).toBeGreaterThan(3)
      expect(zAbove(f["field-heat-only"], f.uniform)).toBeGreaterThan(3)
      expect(zAbove(f.uniform, f["no-heat"])).toBeGreaterThan(tick === 40 ? -Infinity : 3)
    }
  })
})
