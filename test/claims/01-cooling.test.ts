// Claim 1: slow cooling after heating leaves lower frustration and dissonance than a quench, and lower than never heating.
import { describe, expect, it } from "vitest"
import { byCondition, finalOf, report, runClaim, zAbove } from "./support.js"

describe("claim 1: slow cooling vs quench vs never heated", async () => {
  const runs = await runClaim("01-cooling.json")
  for (const metric of ["frustration_mean", "dissonance_mean"]) {
    it(`slow cooling ends with lower ${metric} than a quench and than never heating (> 3 SE)`, () => {
      const t = byCondition(runs, finalOf(metric))
      report("claim 1", metric, t)
      expect(zAbove(t.slow, t.quench)).toBeGreaterThan(3)
      expect(zAbove(t.slow, t["never-heated"])).toBeGreaterThan(3)
    })
  }
})
