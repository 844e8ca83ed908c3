// Claim 12: a weekly meditation hour and twice-yearly retreats both keep long-run frustration below no practice.
import { describe, expect, it } from "vitest"
import { averageOf, byCondition, report, runClaim, zAbove } from "./support.js"

describe("claim 12: weekly practice and retreats", async () => {
  const runs = await runClaim("12-practice.json")
  const f = byCondition(runs, averageOf("frustration_mean", 180))
  report("claim 12", "frustration_mean, days 180-360", f)

  it("weekly meditation and twice-yearly retreats both keep long-run frustration below no practice (> 3 SE)", () => {
    expect(zAbove(f.weekly, f["no-practice"])).toBeGreaterThan(3)
    expect(zAbove(f.retreats, f["no-practice"])).toBeGreaterThan(3)
  })
})
