// Claim 2: neutral annealing (concentration meditation) lowers frustration without moving beliefs toward any
// content; loaded annealing (ritual, meme) moves beliefs toward its content.
import { describe, expect, it } from "vitest"
import { byCondition, finalOf, report, runClaim, zAbove, type ClaimRun } from "./support.js"

/** Alignment with the content {b1: +1, b2: +1}: the mean of the two beliefs' population means. */
const alignment = (r: ClaimRun): number => (r.final.belief_b1_mean + r.final.belief_b2_mean) / 2

describe("claim 2: neutral vs loaded annealing", async () => {
  const runs = await runClaim("02-neutral-vs-loaded.json")
  const frustration = byCondition(runs, finalOf("frustration_mean"))
  const aligned = byCondition(runs, alignment)

  it("concentration meditation lowers frustration below the control (> 3 SE)", () => {
    report("claim 2", "frustration_mean", frustration)
    expect(zAbove(frustration.meditation, frustration.control)).toBeGreaterThan(3)
  })

  it("meditation leaves beliefs where the control leaves them (alignment with the content within 3 SE)", () => {
    report("claim 2", "alignment", aligned)
    expect(Math.abs(zAbove(aligned.control, aligned.meditation))).toBeLessThan(3)
  })

  it("a ritual and a meme move beliefs toward their content (> 3 SE above the control and meditation)", () => {
    for (const arm of ["ritual", "meme"]) {
      expect(zAbove(aligned.control, aligned[arm])).toBeGreaterThan(3)
      expect(zAbove(aligned.meditation, aligned[arm])).toBeGreaterThan(3)
    }
  })
})
