// Claim 6: negative attractors persist under normal conditions; a psychedelic session with supportive content and
// slow cooling lets a majority escape; fast cooling or hostile content does worse.
import { describe, expect, it } from "vitest"
import { byCondition, finalOf, report, runClaim, zAbove } from "./support.js"

describe("claim 6: escaping a negative attractor", async () => {
  const runs = await runClaim("06-negative-attractor.json")
  const occupancy = byCondition(runs, finalOf("occupancy_depressive"))
  report("claim 6", "occupancy_depressive", occupancy)

  it("the depressive attractor persists without a session (occupancy stays above 0.9 in every run)", () => {
    for (const v of occupancy.control.values) expect(v).toBeGreaterThan(0.9)
  })

  it("supportive content with slow cooling lets a majority escape (occupancy below 0.5 in every run)", () => {
    for (const v of occupancy["supportive-slow"].values) expect(v).toBeLessThan(0.5)
  })

  it("fast cooling and hostile content do worse (> 3 SE higher occupancy)", () => {
    expect(zAbove(occupancy["supportive-slow"], occupancy["supportive-fast"])).toBeGreaterThan(3)
    expect(zAbove(occupancy["supportive-slow"], occupancy["hostile-slow"])).toBeGreaterThan(3)
  })
})
