// Claim 8: sleep cycles as annealing: regular sleep keeps frustration lower than deprivation; nREM and REM
// deprivation leave different deficits.
import { describe, expect, it } from "vitest"
import { averageOf, byCondition, finalOf, report, runClaim, zAbove } from "./support.js"

describe("claim 8: sleep and its stages", async () => {
  const runs = await runClaim("08-sleep.json")
  const f = byCondition(runs, averageOf("frustration_mean", 150))
  const d = byCondition(runs, averageOf("dissonance_mean", 150))
  const c = byCondition(runs, finalOf("complexity_mean"))
  report("claim 8", "frustration_mean, ticks 150-300", f)
  report("claim 8", "dissonance_mean, ticks 150-300", d)
  report("claim 8", "complexity_mean", c)

  it("regular sleep keeps frustration lower than total deprivation (> 3 SE)", () => {
    expect(zAbove(f.regular, f.deprived)).toBeGreaterThan(3)
  })

  it("model as built: the two partial deprivations differ, but REM deprivation LOWERS frustration below regular sleep", () => {
    // nREM deprivation (REM only): frustration near regular sleep, couplings never pruned (dissonance far below regular)
    expect(zAbove(d["nrem-deprived"], d.regular)).toBeGreaterThan(3)
    // REM deprivation (nREM only): REM's random-field imprinting is what adds frustration, so without it frustration falls
    expect(zAbove(f["rem-deprived"], f.regular)).toBeGreaterThan(3)
    expect(zAbove(f["rem-deprived"], f["nrem-deprived"])).toBeGreaterThan(3)
  })
})
