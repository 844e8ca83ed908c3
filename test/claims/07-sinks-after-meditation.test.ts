// Claim 7: activating sinks right after meditation ruins much of its benefit compared with sleep or a walk.
import { describe, expect, it } from "vitest"
import { byCondition, finalOf, report, runClaim, zAbove } from "./support.js"

describe("claim 7: sinks after meditation", async () => {
  const runs = await runClaim("07-sinks-after-meditation.json")
  const f = byCondition(runs, finalOf("frustration_mean"))
  report("claim 7", "frustration_mean", f)

  it("meditation followed by a walk or by sleep lowers frustration (> 3 SE below no meditation)", () => {
    expect(zAbove(f["then-walk"], f["no-meditation"])).toBeGreaterThan(3)
    expect(zAbove(f["then-sleep"], f["no-meditation"])).toBeGreaterThan(3)
  })

  it("sinks right after leave more frustration than a walk or sleep (> 3 SE) and lose over a third of the walk's benefit", () => {
    expect(zAbove(f["then-walk"], f["then-sinks"])).toBeGreaterThan(3)
    expect(zAbove(f["then-sleep"], f["then-sinks"])).toBeGreaterThan(3)
    const benefit = (arm: string) => f["no-meditation"].mean - f[arm].mean
    console.log(`[claim 7] benefit walk ${benefit("then-walk").toFixed(3)}, sleep ${benefit("then-sleep").toFixed(3)}, sinks ${benefit("then-sinks").toFixed(3)}`)
    expect(benefit("then-sinks")).toBeLessThan((2 / 3) * benefit("then-walk"))
  })
})
