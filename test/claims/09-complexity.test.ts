// Claim 9: repeated DMT-like sessions raise complexity; 5-MeO-like sessions lower it.
import { describe, expect, it } from "vitest"
import { byCondition, finalOf, report, runClaim, zAbove } from "./support.js"

describe("claim 9: complexity under repeated sessions", async () => {
  const runs = await runClaim("09-complexity.json")
  const c = byCondition(runs, finalOf("complexity_mean"))
  report("claim 9", "complexity_mean", c)

  it("DMT-like sessions end with higher complexity than unbiased sessions, 5-MeO-like with lower (> 3 SE each)", () => {
    expect(zAbove(c.unbiased, c["dmt-like"])).toBeGreaterThan(3)
    expect(zAbove(c["5meo-like"], c.unbiased)).toBeGreaterThan(3)
  })

  it("model as built: every kind of session lowers complexity below no sessions (Hebbian imprinting is rank-reducing)", () => {
    for (const arm of ["unbiased", "dmt-like", "5meo-like"]) expect(zAbove(c[arm], c.none)).toBeGreaterThan(3)
  })
})
