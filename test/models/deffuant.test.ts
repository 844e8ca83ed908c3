// Deffuant–Weisbuch bounded confidence: with uniform initial opinions on a complete graph the opinions settle into
// ⌊1/(2ε)⌋ major clusters (Weisbuch et al. 2002): consensus at ε = 0.5, more clusters as ε shrinks.
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { simulate } from "../../src/run/simulation.js"
import type { Scenario } from "../../src/scenario/schema.js"

const root = join(import.meta.dirname, "../..")
const file = join(root, "scenarios/models/deffuant.json")
const N = 500
const SEEDS = Array.from({ length: 10 }, (_, k) => k + 1)
/** a major cluster holds at least 2% of the agents (10 of 500); smaller ones are stragglers left near the extremes */
const MAJOR = 0.02

const variant = (s: Scenario, seed: number, epsilon: number): Scenario => ({
  ...s, seed, graph: { kind: "complete", n: N }, plugins: [{ module: "kiln:deffuant", options: { epsilon, mu: 0.5, share: MAJOR } }]
})

/** Sizes of the clusters of opinions: runs of the sorted opinions with no gap wider than ε. */
const clusterSizes = (x: ArrayLike<number>, epsilon: number): number[] => {
  const sorted = Array.from(x).sort((a, b) => a - b)
  const sizes: number[] = []
  let start = 0
  for (let p = 1; p <= sorted.length; p++) {
    if (p === sorted.length || sorted[p] - sorted[p - 1] > epsilon) (sizes.push(p - start), (start = p))
  }
  return sizes
}

const meanAndSe = (v: number[]) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1))
  return { mean, se: sd / Math.sqrt(v.length) }
}

describe("Deffuant–Weisbuch bounded confidence", () => {
  it("settles into ⌊1/(2ε)⌋ major clusters: the mean count over 10 seeds within 3 standard errors, consensus at ε = 0.5", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const epsilon of [0.5, 0.3, 0.2, 0.15, 0.1]) {
      const counts: number[] = []
      for (const seed of SEEDS) {
        // 100 ticks of N encounters: the clusters are more than ε apart long before (deffuant_moved < 1e-10)
        const r = await simulate(variant(scenario, seed, epsilon), { file, ticks: 100, recordEvery: 100 })
        const major = clusterSizes(r.world.plugins[0].state.x, epsilon).filter((size) => size >= MAJOR * N).length
        // the model's own count (deffuant_clusters, the last column) agrees with this one
        expect(r.metrics.rows.at(-1)!.at(-1), `ε ${epsilon} seed ${seed}`).toBe(major)
        counts.push(major)
      }
      const expected = Math.floor(1 / (2 * epsilon))
      const { mean, se } = meanAndSe(counts)
      if (epsilon >= 0.5) expect(counts, "consensus").toEqual(SEEDS.map(() => 1))
      // se is 0 when every seed gives the same count: then the count must be the expected one
      expect(Math.abs(mean - expected), `ε ${epsilon}: counts ${counts.join(" ")}, mean ${mean} ± ${se.toFixed(2)}`).toBeLessThanOrEqual(3 * se)
    }
  })

  it("conserves the mean opinion on a complete graph (every encounter moves both agents by opposite amounts)", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const r = await simulate(variant(scenario, 1, 0.3), { file, ticks: 20, recordEvery: 1 })
    const means = r.metrics.rows.map((row) => row.at(-3)!)
    for (const m of means) expect(m).toBeCloseTo(means[0], 12)
  })
})
