// kiln:sir against the known results of a well-mixed population (complete graph of N agents): the SIR final size
// r∞ = 1 − exp(−R0 r∞) and its spread, the chance of a major outbreak, and the SIS endemic level.
// R0 for the discrete-time rule: an infected agent stays infected D ticks, D geometric with mean 1/γ, and in each of
// them a given susceptible escapes it with probability 1 − β, i.e. with hazard λ = −ln(1 − β); so each of its N − 1
// contacts meets the total hazard λD, and R0 = (N − 1) λ E[D] = (N − 1) λ / γ (≈ (N − 1) β / γ for small β).
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { simulate } from "../../src/run/simulation.js"
import type { Scenario } from "../../src/scenario/schema.js"

const file = join(import.meta.dirname, "../../scenarios/models/sir.json")
const N = 1000
const GAMMA = 0.5
/** β such that (N − 1) · −ln(1 − β) / γ = R0 */
const betaFor = (R0: number, gamma: number) => 1 - Math.exp((-R0 * gamma) / (N - 1))

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1))

/** The largest root of r = 1 − exp(−R0 r), by iteration from 1. */
const finalSize = (R0: number) => {
  let r = 1
  for (let k = 0; k < 1000; k++) r = 1 - Math.exp(-R0 * r)
  return r
}

/**
 * sd of the final share of a major outbreak (Andersson & Britton 2000, Thm 4.2): √N (Z/N − τ) → Normal(0, σ²) with
 * σ² = τ(1 − τ)(1 + c² R0² (1 − τ)) / (1 − R0 (1 − τ))², c² = Var D / (E D)² = 1 − γ for the geometric D.
 */
const finalSizeSd = (R0: number, gamma: number) => {
  const tau = finalSize(R0)
  return Math.sqrt((tau * (1 - tau) * (1 + (1 - gamma) * R0 ** 2 * (1 - tau))) / (1 - R0 * (1 - tau)) ** 2 / N)
}

/**
 * The chance that one infected agent's chain dies out: the fixed point q of the offspring generating function. Given
 * D, an agent infects Poisson(R0 γ D) others; over the geometric D that is E[x^D] = γx / (1 − (1 − γ)x),
 * x = exp(−R0 γ (1 − q)).
 */
const extinction = (R0: number, gamma: number) => {
  let q = 0
  for (let k = 0; k < 1000; k++) {
    const x = Math.exp(-R0 * gamma * (1 - q))
    q = (gamma * x) / (1 - (1 - gamma) * x)
  }
  return q
}

/**
 * The SIS endemic share of the discrete-time rule (mean field, exact on the complete graph as N → ∞): the i where
 * recoveries γ i balance infections (1 − i)(1 − (1 − β)^(N i)). As γ → 0 it tends to 1 − 1/R0.
 */
const endemicShare = (beta: number, gamma: number) => {
  let lo = 1 / N, hi = 1
  for (let k = 0; k < 60; k++) {
    const i = (lo + hi) / 2
    if (gamma * i < (1 - i) * (1 - (1 - beta) ** (N * i))) lo = i
    else hi = i
  }
  return lo
}

const withSir = (s: Scenario, seed: number, ticks: number, options: Record<string, unknown>): Scenario => ({
  ...s, seed, ticks, graph: { kind: "complete", n: N }, plugins: [{ module: "kiln:sir", options }]
})

const column = (r: Awaited<ReturnType<typeof simulate>>, name: string) => r.metrics.rows.map((row) => row[r.metrics.columns.indexOf(name)])

/** Final recovered shares of SIR runs from one infected agent, each stopped at its first record without infected. */
const finalShares = async (R0: number, seeds: number) => {
  const { scenario } = await loadScenarioWithPlugins(file)
  const shares: number[] = []
  for (let seed = 1; seed <= seeds; seed++) {
    const s = withSir(scenario, seed, 1000, { model: "SIR", beta: betaFor(R0, GAMMA), gamma: GAMMA, seeds: 1 })
    const r = await simulate({ ...s, recordEvery: 10 }, { file, stop: [{ kind: "crossing", metric: "sir_infected", threshold: 0, direction: "down" }] })
    expect(r.stopReason, `R0 ${R0} seed ${seed}`).toBe("crossing:sir_infected")
    shares.push(column(r, "sir_recovered").at(-1)!)
  }
  return shares
}

/** A major outbreak: more than 10% of the population (minor ones stay at a few agents). */
const MAJOR = 0.1

describe("SIR and SIS contagion (kiln:sir) in a well-mixed population", () => {
  // 3 standard errors: each check fails by chance with probability 0.3%
  const k = 3

  it.each([
    [1.5, 30],
    [2.5, 16]
  ])("SIR, R0 = %s: major outbreaks reach r∞ = 1 − exp(−R0 r∞) within 3 SE; their share is 1 − q within 3 binomial SE", async (R0, seeds) => {
    const shares = await finalShares(R0, seeds)
    const major = shares.filter((x) => x > MAJOR)
    // the two kinds of outbreak are well apart: minor ones end with a few agents, major ones near r∞
    expect(Math.max(...shares.filter((x) => x <= MAJOR))).toBeLessThan(0.03)
    const se = finalSizeSd(R0, GAMMA) / Math.sqrt(major.length)
    expect(Math.abs(mean(major) - finalSize(R0)), `mean ${mean(major)} vs ${finalSize(R0)}, SE ${se}`).toBeLessThan(k * se)
    // the spread of major outbreaks is the asymptotic one (sample sd of ≥ 10 runs within a factor 2)
    expect(major.length).toBeGreaterThanOrEqual(10)
    expect(sd(major) / finalSizeSd(R0, GAMMA)).toBeGreaterThan(0.5)
    expect(sd(major) / finalSizeSd(R0, GAMMA)).toBeLessThan(2)
    const p = 1 - extinction(R0, GAMMA)
    expect(Math.abs(major.length / seeds - p), `${major.length}/${seeds} major vs ${p}`).toBeLessThan(k * Math.sqrt((p * (1 - p)) / seeds))
  }, 120_000)

  it.each([
    [2, 8],
    [3, 8]
  ])("SIS, R0 = %s: the infected share averaged after burn-in is the endemic level within 3 SE", async (R0, seeds) => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const gamma = 0.2, beta = betaFor(R0, gamma), burnIn = 40, ticks = 200
    const averages: number[] = []
    for (let seed = 1; seed <= seeds; seed++) {
      // 5% infected at the start: no run dies out before it settles
      const s = withSir(scenario, seed, ticks, { model: "SIS", beta, gamma, seeds: N / 20 })
      // records 5 ticks apart are nearly independent (the deviation from the level decays ×0.66 per tick at R0 = 3)
      const r = await simulate({ ...s, recordEvery: 5 }, { file })
      const ticksColumn = column(r, "tick")
      averages.push(mean(column(r, "sir_infected").filter((_, row) => ticksColumn[row] > burnIn)))
    }
    // the seeds' time averages are independent: their sample sd over √seeds is the SE
    const se = sd(averages) / Math.sqrt(seeds)
    const level = endemicShare(beta, gamma)
    expect(Math.abs(mean(averages) - level), `mean ${mean(averages)} vs ${level}, SE ${se}`).toBeLessThan(k * se)
  }, 120_000)

  it("rejects options out of range, naming plugins[0].options.<path>", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const [options, path] of [[{ beta: 1.5 }, "beta"], [{ gamma: -0.1 }, "gamma"], [{ seeds: 2.5 }, "seeds"], [{ model: "SEIR" }, "model"]] as const) {
      const s = { ...scenario, plugins: [{ module: "kiln:sir", options }] }
      await expect(simulate(s, { file, ticks: 1 }), path).rejects.toMatchObject({ path: `plugins[0].options.${path}` })
    }
  })
})
