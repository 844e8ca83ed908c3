// Claim 5: destructive content (false factual claims) annealed in leaves chronic prediction error and instability.
import { describe, expect, it } from "vitest"
import { averageOf, byCondition, report, runClaim, zAbove } from "./support.js"

describe("claim 5: destructive content", async () => {
  const runs = await runClaim("05-destructive-content.json")
  const late = (metric: string) => byCondition(runs, averageOf(metric, 150))

  it("false claims annealed in by rituals persist against the evidence long after the rituals stop", () => {
    const f1 = late("belief_f1_mean")
    report("claim 5", "belief_f1_mean, ticks 150-250", f1)
    expect(f1["false-content"].mean).toBeLessThan(-0.5)
    expect(zAbove(f1["false-content"], f1["true-content"])).toBeGreaterThan(3)
  })

  it("they leave chronic prediction error: energy (sigma x PE) stays higher than with true content (> 3 SE)", () => {
    const energy = late("energy_mean")
    report("claim 5", "energy_mean, ticks 150-250", energy)
    expect(zAbove(energy["true-content"], energy["false-content"])).toBeGreaterThan(3)
  })

  it("and instability: energy differs more between agents and more agents are kicked into plasticity (> 3 SE)", () => {
    const sd = late("energy_sd")
    const plastic = late("plasticity_mean")
    report("claim 5", "energy_sd, ticks 150-250", sd)
    report("claim 5", "plasticity_mean, ticks 150-250", plastic)
    expect(zAbove(sd["true-content"], sd["false-content"])).toBeGreaterThan(3)
    expect(zAbove(plastic["true-content"], plastic["false-content"])).toBeGreaterThan(3)
  })
})
