// Hegselmann–Krause bounded confidence on a complete graph with uniform initial opinions: opinions freeze after
// finitely many ticks into clusters more than ε apart, roughly 2ε apart (the "2R conjecture"), and consensus sets
// in above a threshold ε_c between 0.2 and 0.28 for 50 and 200 agents (Lorenz 2007: ε_c ≈ 0.2–0.25).
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { simulate } from "../../src/run/simulation.js"
import type { Scenario } from "../../src/scenario/schema.js"

const root = join(import.meta.dirname, "../..")
const file = join(root, "scenarios/models/hk.json")
/** ends the run at the first tick where no opinion changed (HK converges in finitely many ticks) */
const frozen = [{ kind: "crossing" as const, metric: "hk_moving", threshold: 0, direction: "down" as const }]

const variant = (s: Scenario, seed: number, n: number, epsilon: number): Scenario => ({
  ...s, seed, graph: { kind: "complete", n }, plugins: [{ module: "kiln:hk", options: { epsilon } }]
})

/** The final cluster positions (ascending) of a run that froze; the cluster count is checked against hk_clusters. */
const finalClusters = async (s: Scenario, epsilon: number): Promise<number[]> => {
  const r = await simulate(s, { file, ticks: 300, recordEvery: 1, stop: frozen })
  expect(r.stopReason, "converged in finitely many ticks").toBe("crossing:hk_moving")
  const positions = [...new Set(r.world.plugins[0].state.x)].sort((a, b) => a - b)
  // frozen clusters are single points more than ε apart (closer ones would still average together)
  for (let k = 1; k < positions.length; k++) expect(positions[k] - positions[k - 1]).toBeGreaterThan(epsilon)
  expect(r.metrics.rows.at(-1)!.at(-1)).toBe(positions.length)
  return positions
}

const meanAndSe = (v: number[]) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1))
  return { mean, se: sd / Math.sqrt(v.length) }
}

describe("Hegselmann–Krause bounded confidence", () => {
  it("freezes into clusters roughly 2ε apart: per-seed mean gap / ε over 10 seeds of 500 agents within 3 SE of 2 ± 0.5", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const epsilon of [0.05, 0.1]) {
      const perSeed: number[] = []
      for (let seed = 1; seed <= 10; seed++) {
        const at = await finalClusters(variant(scenario, seed, 500, epsilon), epsilon)
        perSeed.push((at.at(-1)! - at[0]) / (at.length - 1) / epsilon)
      }
      const { mean, se } = meanAndSe(perSeed)
      // "roughly 2R": read as 2 ± 0.5, with 3 standard errors of the seeds on top
      expect(Math.abs(mean - 2), `ε ${epsilon}: gap/ε ${mean.toFixed(3)} ± ${se.toFixed(3)}`).toBeLessThan(0.5 + 3 * se)
    }
  })

  it("reaches consensus above ε_c: below half the seeds by 3 binomial SE at ε = 0.2, above half at ε = 0.28, for N = 50 and 200", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const seeds = 20
    for (const n of [50, 200]) {
      const share = async (epsilon: number) => {
        let consensus = 0
        for (let seed = 1; seed <= seeds; seed++) if ((await finalClusters(variant(scenario, seed, n, epsilon), epsilon)).length === 1) consensus++
        return consensus / seeds
      }
      const se = (p: number) => Math.sqrt((p * (1 - p)) / seeds)
      const below = await share(0.2), above = await share(0.28)
      expect(below + 3 * se(below), `N ${n}: consensus share at ε = 0.2`).toBeLessThan(0.5)
      expect(above - 3 * se(above), `N ${n}: consensus share at ε = 0.28`).toBeGreaterThan(0.5)
    }
  })
})
