// Friedkin–Johnsen: the simulated opinions converge to the equilibrium x* = (I − (I − Θ) W)⁻¹ Θ x(0), solved here
// by Gaussian elimination on the same graph, weights, stubbornness and prejudices (deterministic: to 1e-9).
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { simulate } from "../../src/run/simulation.js"
import type { Scenario } from "../../src/scenario/schema.js"
import type { Topology } from "../../src/model/graph/topology.js"

const root = join(import.meta.dirname, "../..")
const file = join(root, "scenarios/models/friedkin-johnsen.json")

const variant = (s: Scenario, seed: number, options: Record<string, number>, graph: Scenario["graph"]): Scenario => ({
  ...s, seed, graph, weights: { mean: 1, sd: 0.2, scale: "none" },
  plugins: [{ module: "kiln:friedkin-johnsen", options }]
})

/** The row-stochastic W of the model, as a dense matrix: w_ij / Σ_k w_ik, and W_ii = 1 for an isolated agent. */
const stochastic = ({ n, offsets, neighbours, weights }: Topology): number[][] =>
  Array.from({ length: n }, (_, i) => {
    const row = new Array<number>(n).fill(0)
    let total = 0
    for (let e = offsets[i]; e < offsets[i + 1]; e++) total += weights[e]
    for (let e = offsets[i]; e < offsets[i + 1]; e++) row[neighbours[e]] += weights[e] / total
    if (total === 0) row[i] = 1
    return row
  })

/** Solves A x = b by Gaussian elimination with partial pivoting. */
const solve = (a: number[][], b: number[]): number[] => {
  const n = b.length
  const m = a.map((row, i) => [...row, b[i]])
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r
    ;[m[c], m[p]] = [m[p], m[c]]
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c]
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k]
    }
  }
  const x = new Array<number>(n).fill(0)
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n]
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k]
    x[r] = s / m[r][r]
  }
  return x
}

/** x* = (I − (I − Θ) W)⁻¹ Θ x(0). */
const equilibrium = (topology: Topology, theta: Float64Array, x0: Float64Array): number[] => {
  const w = stochastic(topology)
  const a = w.map((row, i) => row.map((wij, j) => (i === j ? 1 : 0) - (1 - theta[i]) * wij))
  return solve(a, Array.from(x0, (x, i) => theta[i] * x))
}

describe("Friedkin–Johnsen opinion dynamics", () => {
  it("converges to (I − (I − Θ)W)⁻¹ Θ x(0) within 1e-9 on random weighted graphs, short of consensus", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const seed of [1, 2, 3, 4, 5]) {
      // θ_i in [0.1, 0.5]: the error shrinks at least by 0.9 a tick, 0.9^300 ≈ 2e-14
      const s = variant(scenario, seed, { stubbornness: 0.3, spread: 0.2 }, { kind: "erdosRenyi", n: 50, p: 0.1 })
      const { world } = await simulate(s, { file, ticks: 300, recordEvery: 300 })
      const { x, x0, theta } = world.plugins[0].state as Record<string, Float64Array>
      const expected = equilibrium(world.topology, theta, x0)
      const error = Math.max(...expected.map((e, i) => Math.abs(x[i] - e)))
      expect(error, `seed ${seed}`).toBeLessThan(1e-9)
      // the equilibrium is not trivial: opinions still differ by more than a tenth
      expect(Math.max(...x) - Math.min(...x), `seed ${seed}`).toBeGreaterThan(0.1)
    }
  })

  it("without stubbornness a complete graph of equal weights agrees on the mean at once; with θ = 1 nobody moves", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const complete = { kind: "complete" as const, n: 30 }
    const degroot = await simulate({ ...variant(scenario, 1, { stubbornness: 0 }, complete), weights: { mean: 1, sd: 0, scale: "none" } }, { file, ticks: 1 })
    const d = degroot.world.plugins[0].state as Record<string, Float64Array>
    // one tick: everyone takes the mean of the 29 others, x_i' = (S − x_i)/29
    const total = d.x0.reduce((a, b) => a + b, 0)
    d.x.forEach((xi, i) => expect(xi).toBeCloseTo((total - d.x0[i]) / 29, 12))
    const fixed = await simulate(variant(scenario, 1, { stubbornness: 1 }, complete), { file, ticks: 5 })
    const f = fixed.world.plugins[0].state as Record<string, Float64Array>
    expect([...f.x]).toEqual([...f.x0])
  })

  it("refuses a spread that takes θ_i out of [0, 1], naming the option", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const s = variant(scenario, 1, { stubbornness: 0.9, spread: 0.2 }, { kind: "complete", n: 5 })
    await expect(simulate(s, { file, ticks: 1 })).rejects.toMatchObject({ path: "plugins[0].options.spread" })
  })
})
