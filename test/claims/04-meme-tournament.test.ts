// Claim 4: memes that raise their receivers' energy win more often against equally transmissible memes that do
// not (and equal memes win equally often).
import { describe, expect, it } from "vitest"
import { binomialInterval, byCondition, finalOf, report, runClaim, zAbove, type ClaimRun } from "./support.js"

const wins = (runs: ReadonlyArray<ClaimRun>, condition: string) => {
  const arm = runs.filter((r) => r.values.condition === condition)
  // a tie counts half
  const w = arm.reduce((s, r) => s + (r.final.share_alpha > r.final.share_omega ? 1 : r.final.share_alpha === r.final.share_omega ? 0.5 : 0), 0)
  return { wins: w, n: arm.length }
}

describe("claim 4: meme tournament", async () => {
  const runs = await runClaim("04-meme-tournament.json")
  const alpha = byCondition(runs, finalOf("share_alpha"))
  const omega = byCondition(runs, finalOf("share_omega"))
  report("claim 4", "share_alpha", alpha)
  report("claim 4", "share_omega", omega)

  it("when receivers' belief networks resist the content, the intense meme wins more often than chance allows (outside the 99% binomial interval) and takes a larger share (> 3 SE)", () => {
    const { wins: w, n } = wins(runs, "intense-vs-plain")
    console.log(`[claim 4] intense-vs-plain: alpha wins ${w}/${n}`)
    expect(w).toBeGreaterThan(binomialInterval(n)[1])
    expect(zAbove(omega["intense-vs-plain"], alpha["intense-vs-plain"])).toBeGreaterThan(3)
  })

  it("equal memes win equally often (inside the 99% binomial interval of 1/2), in both regimes", () => {
    for (const arm of ["equal", "easy-equal"]) {
      const { wins: w, n } = wins(runs, arm)
      console.log(`[claim 4] ${arm}: alpha wins ${w}/${n}`)
      const [lo, hi] = binomialInterval(n)
      expect(w).toBeGreaterThanOrEqual(lo)
      expect(w).toBeLessThanOrEqual(hi)
    }
  })

  it("model as built: when the content is easy to accept, intensity makes a meme LOSE (heat is noise that breaks hosting)", () => {
    const { wins: w, n } = wins(runs, "easy-intense-vs-plain")
    console.log(`[claim 4] easy-intense-vs-plain: alpha wins ${w}/${n}`)
    expect(w).toBeLessThan(binomialInterval(n)[0])
    expect(zAbove(alpha["easy-intense-vs-plain"], omega["easy-intense-vs-plain"])).toBeGreaterThan(3)
  })
})
