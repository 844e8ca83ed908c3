// The Moran and Wright–Fisher processes against their known fixation probabilities: Moran's (1 − 1/r)/(1 − 1/r^N)
// on a complete graph and, by the isothermal theorem, on a regular lattice; 1/N when neutral; Wright–Fisher's from
// its exact Markov chain. Every check is within K binomial standard errors.
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { loadPlugins, loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { simulate } from "../../src/run/simulation.js"
import type { StopRuleInput } from "../../src/run/stop-rules.js"
import type { Scenario } from "../../src/scenario/schema.js"

const file = join(import.meta.dirname, "../../scenarios/models/moran.json")
/** Standard errors allowed: a correct model fails a (normal) check once in about 16,000. */
const K = 4
const untilFixed: StopRuleInput[] = [
  { kind: "crossing", metric: "moran_mutants", threshold: 1, direction: "up" },
  { kind: "crossing", metric: "moran_mutants", threshold: 0, direction: "down" }
]

const withOptions = (s: Scenario, seed: number, options: Record<string, unknown>, graph: Scenario["graph"] = s.graph): Scenario =>
  ({ ...s, seed, graph, ticks: 5000, recordEvery: 1, plugins: [{ module: "kiln:moran", options }] })

/** Moran's fixation probability of one mutant of fitness r among N − 1 residents. */
const moranFixation = (r: number, N: number) => (r === 1 ? 1 / N : (1 - 1 / r) / (1 - r ** -N))

/**
 * Wright–Fisher's fixation probability of one mutant, exactly: the generation after k mutants is Binomial(N, π_k),
 * π_k = rk/(rk + N − k); u = P u with u_0 = 0, u_N = 1, solved by Gauss–Jordan elimination.
 */
const wrightFisherFixation = (r: number, N: number): number => {
  const logFactorial = (x: number) => { let s = 0; for (let i = 2; i <= x; i++) s += Math.log(i); return s }
  const transition = (k: number, j: number) => {
    const p = (r * k) / (r * k + N - k)
    return Math.exp(logFactorial(N) - logFactorial(j) - logFactorial(N - j) + (j > 0 ? j * Math.log(p) : 0) + (j < N ? (N - j) * Math.log(1 - p) : 0))
  }
  // unknowns u_1..u_{N−1}: (I − Q) u = P(·, N), augmented in the last column
  const m = N - 1
  const A = Array.from({ length: m }, (_, a) => Array.from({ length: m + 1 }, (_, b) => (b === m ? transition(a + 1, N) : (a === b ? 1 : 0) - transition(a + 1, b + 1))))
  for (let c = 0; c < m; c++) {
    let pivot = c
    for (let a = c + 1; a < m; a++) if (Math.abs(A[a][c]) > Math.abs(A[pivot][c])) pivot = a
    ;[A[c], A[pivot]] = [A[pivot], A[c]]
    for (let a = 0; a < m; a++) {
      if (a === c) continue
      const f = A[a][c] / A[c][c]
      for (let b = c; b <= m; b++) A[a][b] -= f * A[c][b]
    }
  }
  return A[0][m] / A[0][0]
}

/** The share of `runs` runs (seeds 1..runs) in which the single mutant's type fixed. */
const fixedShare = async (scenario: Scenario, runs: number, options: Record<string, unknown>, graph?: Scenario["graph"]) => {
  let fixed = 0
  for (let seed = 1; seed <= runs; seed++) {
    const r = await simulate(withOptions(scenario, seed, { mutants: 1, ...options }, graph), { file, stop: untilFixed })
    expect(r.stopReason, `seed ${seed}`).not.toBe("ticks")
    fixed += r.metrics.rows.at(-1)!.at(-1)!
  }
  return fixed / runs
}

const check = (label: string, measured: number, expected: number, runs: number) => {
  const se = Math.sqrt((expected * (1 - expected)) / runs)
  console.log(`${label}: fixation ${measured.toFixed(4)} ± ${se.toFixed(4)} (expected ${expected.toFixed(4)})`)
  expect(Math.abs(measured - expected), label).toBeLessThan(K * se)
}

describe("the Moran process", () => {
  it.each([[1, 4000], [1.2, 2000], [2, 2000]])("one mutant of fitness %f on a complete graph of 30 fixes with (1 − 1/r)/(1 − 1/r^N) (%i runs)", async (r, runs) => {
    const { scenario } = await loadScenarioWithPlugins(file)
    check(`Moran complete N=30 r=${r}`, await fixedShare(scenario, runs, { r }), moranFixation(r, 30), runs)
  })

  it("on a regular graph (a periodic 6 × 6 lattice) the same formula holds (isothermal theorem)", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const runs = 2000, lattice = { kind: "lattice" as const, rows: 6, cols: 6, periodic: true }
    check("Moran lattice N=36 r=1.5", await fixedShare(scenario, runs, { r: 1.5 }, lattice), moranFixation(1.5, 36), runs)
  })
})

describe("the Wright–Fisher process", () => {
  it.each([[1, 4000], [1.1, 2000]])("one mutant of fitness %f in 30 fixes with the exact chain's probability (%i runs)", async (r, runs) => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const exact = wrightFisherFixation(r, 30)
    if (r === 1) expect(exact).toBeCloseTo(1 / 30, 10)
    check(`Wright–Fisher complete N=30 r=${r}`, await fixedShare(scenario, runs, { r, process: "wright-fisher" }), exact, runs)
  })
})

describe("options", () => {
  it("refuses options out of range, naming their path", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const [options, path] of [[{ r: 0 }, "plugins[0].options.r"], [{ mutants: -1 }, "plugins[0].options.mutants"], [{ process: "fisher" }, "plugins[0].options.process"]] as const) {
      const e = await loadPlugins(withOptions(scenario, 1, options).plugins!, file).catch((x) => x)
      expect(e).toBeInstanceOf(InputError)
      expect((e as InputError).path).toBe(path)
    }
  })
})
