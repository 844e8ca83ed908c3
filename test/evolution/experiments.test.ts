// The evolution experiments of scenarios/evolution/, run as `kiln sweep` would: what variation and selection do to
// memes' intensity with and without annealing. The numbers docs/EVOLUTION.md quotes come from this log.
import { describe, expect, it } from "vitest"
import { byCondition, fmt, report, runClaim, summarise, type ClaimRun, type Summary } from "../claims/support.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { pairCount } from "../../src/model/state.js"

/** Sum over the recorded intervals of a Price column (NaN intervals — no parents yet — skipped). */
const total = (metric: string) => (r: ClaimRun): number => r.series[metric].filter((v) => !Number.isNaN(v)).reduce((a, b) => a + b, 0)
const within = (trait: string) => (r: ClaimRun) => total(`price_${trait}_selection`)(r) - total(`price_${trait}_between`)(r)
const final = (metric: string) => (r: ClaimRun) => r.final[metric]

/** How many standard errors below zero. */
const belowZero = (s: Summary) => -s.mean / s.se

/**
 * How well a content vector fits the culture: Σ_{a<b} W0_ab c_a c_b, with W0 the shared prior (the mean of the
 * initial couplings over agents); positive when the prior favours holding the content together.
 */
const consonance = (r: ClaimRun, content: (a: number) => number): number => {
  const w = prepareWorld(r.world.scenario, r.world.file)
  const { n, B } = w.constants
  const P = pairCount(B)
  let sum = 0
  for (let a = 0, k = 0; a < B; a++) {
    for (let b = a + 1; b < B; b++, k++) {
      let mean = 0
      for (let i = 0; i < n; i++) mean += w.state.couplings[i * P + k]
      sum += (mean / n) * content(a) * content(b)
    }
  }
  return sum
}

describe("evolution in an open culture (random content, random prior): annealing vs control", async () => {
  const runs = await runClaim("../evolution/annealing.json")
  const selection = byCondition(runs, total("price_intensity_selection"))
  const transmission = byCondition(runs, total("price_intensity_transmission"))
  report("evolution/open", "intensity selection (Σ over intervals)", selection)
  report("evolution/open", "intensity transmission", transmission)
  report("evolution/open", "final mean intensity", byCondition(runs, final("trait_intensity_mean")))
  report("evolution/open", "final mean load", byCondition(runs, final("trait_load_mean")))
  report("evolution/open", "load selection", byCondition(runs, total("price_load_selection")))
  report("evolution/open", "plasticity", byCondition(runs, final("plasticity_mean")))

  it("model as built: intensity is selected against (> 3 SE) with annealing and without; its mean rises only through mutation at the zero bound", () => {
    for (const arm of ["annealing", "control"]) {
      expect(belowZero(selection[arm]), arm).toBeGreaterThan(3)
      expect(transmission[arm].mean, arm).toBeGreaterThan(-selection[arm].mean)
    }
  })

  it("annealing does not change the direction or size of selection on intensity (difference within 3 SE)", () => {
    const d = selection.annealing.mean - selection.control.mean
    expect(Math.abs(d)).toBeLessThan(3 * Math.hypot(selection.annealing.se, selection.control.se))
  })

  // Which content wins, measured rather than asserted (it does not hold robustly with 6 replicates): how much more
  // consonant with the shared prior the hosted content is at the end than the founders' at the first record.
  const gain = (r: ClaimRun) => {
    const beliefs = r.world.beliefs.map((b) => b.name)
    const at = (k: number) => (a: number) => r.series[`variant_content_${beliefs[a]}`][k]
    const first = r.series.tick.findIndex((_, k) => !Number.isNaN(r.series[`variant_content_${beliefs[0]}`][k]))
    return consonance(r, at(r.series.tick.length - 1)) - consonance(r, at(first))
  }
  report("evolution/open", "consonance gain of hosted content", byCondition(runs, gain))
})

describe("evolution where the culture resists every meme (claim 4's population, content fixed)", async () => {
  const runs = await runClaim("../evolution/resisted.json")
  const arms = (stat: (r: ClaimRun) => number) => {
    const out: Record<string, Summary> = {}
    for (const r of runs) (out[`${r.values.founders}/${r.values.plasticity}`] ??= summarise([])).values.push(stat(r))
    return Object.fromEntries(Object.entries(out).map(([k, s]) => [k, summarise(s.values)]))
  }
  const selection = arms(total("price_intensity_selection"))
  const between = arms(total("price_intensity_between"))
  const withinLineage = arms(within("intensity"))
  report("evolution/resisted", "intensity selection", selection)
  report("evolution/resisted", "between lineages", between)
  report("evolution/resisted", "within lineages", withinLineage)
  report("evolution/resisted", "final mean intensity", arms(final("trait_intensity_mean")))
  report("evolution/resisted", "share alpha", arms(final("share_alpha")))
  report("evolution/resisted", "share omega", arms(final("share_omega")))
  report("evolution/resisted", "plasticity", arms(final("plasticity_mean")))

  it("model as built: within a lineage, variants with more intensity lose (within-lineage selection < 0 by > 3 SE) wherever founders differ from the bound", () => {
    for (const arm of ["mild/annealing", "mild/control", "tournament/annealing", "tournament/control"]) {
      console.log(`[evolution/resisted] ${arm}: within ${fmt(withinLineage[arm], 4)}`)
      expect(belowZero(withinLineage[arm]), arm).toBeGreaterThan(3)
    }
  })

  it("model as built: with annealing, intense founders are not selected upward either (selection not above 0 by 2 SE)", () => {
    for (const arm of ["intense/annealing", "tournament/annealing"]) expect(selection[arm].mean / selection[arm].se, arm).toBeLessThan(2)
  })

  it("variation erodes the intense meme's win: without mutation alpha (intensity 1) beats omega (0.05) as in claim 4; with it, its share is lower by > 3 SE", () => {
    const pooled = (founders: string) => summarise(runs.filter((r) => r.values.founders === founders).map(final("share_alpha")))
    const fixed = pooled("tournament-fixed")
    const varying = pooled("tournament")
    console.log(`[evolution/resisted] share alpha, both plasticity arms: fixed ${fmt(fixed)} | varying ${fmt(varying)}`)
    expect(fixed.mean - varying.mean).toBeGreaterThan(3 * Math.hypot(fixed.se, varying.se))
    expect(fixed.mean).toBeGreaterThan(0.5)
  })
})
