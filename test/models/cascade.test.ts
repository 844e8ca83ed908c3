// kiln:cascade against the exact expected spread of the independent cascade where it has a closed form: a path seeded
// at one end (agent k is reached only if the k edges before it all fired: E = Σ_{k<n} p^k) and a complete b-ary tree
// seeded at its root (a node at depth k is reached with p^k, b^k of them: E = Σ_{k≤d} (b p)^k).
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { SocialGraph } from "../../src/model/graph/social-graph.js"
import { loadPlugins, loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runWorld, simulate } from "../../src/run/simulation.js"

const file = join(import.meta.dirname, "../../scenarios/models/cascade.json")

/** An undirected graph of unit weights from its edges, agents keyed "0".."n-1". */
const graphOf = (n: number, edges: Array<[number, number]>): SocialGraph => ({
  n,
  directed: false,
  source: Int32Array.from(edges, ([a]) => a),
  target: Int32Array.from(edges, ([, b]) => b),
  weight: new Float32Array(edges.length).fill(1),
  keys: Array.from({ length: n }, (_, i) => String(i)),
  group: new Int32Array(n).fill(-1),
  groupNames: []
})

const path = (n: number) => graphOf(n, Array.from({ length: n - 1 }, (_, i): [number, number] => [i, i + 1]))

/** The complete b-ary tree of the given depth, root 0, node i's children b·i + 1 … b·i + b. */
const tree = (b: number, depth: number) => {
  const n = (b ** (depth + 1) - 1) / (b - 1)
  return graphOf(n, Array.from({ length: n - 1 }, (_, k): [number, number] => [Math.floor(k / b), k + 1]))
}

/**
 * Final active counts of runs seeded at agent "0", each run `ticks` long: as long as the longest chain from the seed,
 * so every cascade has ended — no agent is left fresh — without a stop rule doing the model's work.
 */
const spreads = async (graph: SocialGraph, p: number, seeds: number, ticks: number) => {
  const { scenario } = await loadScenarioWithPlugins(file)
  const s = { ...scenario, ticks, recordEvery: ticks, plugins: [{ module: "kiln:cascade", options: { p, seedIds: ["0"] } }] }
  const plugins = await loadPlugins(s.plugins, file)
  const out: number[] = []
  for (let seed = 1; seed <= seeds; seed++) {
    const world = prepareWorld({ ...s, seed }, file, graph, false, plugins)
    const r = await Effect.runPromise(runWorld(world).pipe(Effect.provide(Scheduler.workerPool(1))))
    const last = r.metrics.rows.at(-1)!
    expect(last[r.metrics.columns.indexOf("cascade_fresh")]).toBe(0)
    out.push(Math.round(last[r.metrics.columns.indexOf("cascade_active")] * graph.n))
  }
  return out
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/** Mean and variance of the spread on a path of n seeded at one end: P(spread ≥ k) = p^(k−1), k = 1 … n. */
const pathMoments = (n: number, p: number) => {
  let m1 = 0, m2 = 0
  for (let k = 1; k <= n; k++) (m1 += p ** (k - 1), m2 += (2 * k - 1) * p ** (k - 1))
  return { mean: m1, variance: m2 - m1 ** 2 }
}

/**
 * Mean and variance of the spread on the b-ary tree of depth d seeded at its root: S_d = 1 + Σ_{b children} B S_{d−1},
 * B ~ Bernoulli(p) independent of the child's subtree, so E_d = 1 + b p E_{d−1} and
 * Var_d = b (p (Var_{d−1} + E_{d−1}²) − p² E_{d−1}²).
 */
const treeMoments = (b: number, d: number, p: number) => {
  let mean = 1, variance = 0
  for (let depth = 1; depth <= d; depth++) {
    variance = b * (p * (variance + mean ** 2) - p ** 2 * mean ** 2)
    mean = 1 + b * p * mean
  }
  return { mean, variance }
}

describe("independent cascade (kiln:cascade): the expected spread from one seed", () => {
  // 3 standard errors of the mean, SE = √(Var/runs) from the exact variance: each check fails by chance with 0.3%
  const k = 3

  it.each([
    [40, 0.5, 2000],
    [40, 0.9, 2000]
  ])("on a path of %s agents seeded at one end, p = %s: the mean spread is Σ p^k within 3 SE", async (n, p, runs) => {
    const { mean: expected, variance } = pathMoments(n, p)
    const measured = await spreads(path(n), p, runs, n)
    const se = Math.sqrt(variance / runs)
    expect(Math.abs(mean(measured) - expected), `${mean(measured)} vs ${expected}, SE ${se}`).toBeLessThan(k * se)
  }, 60_000)

  it.each([
    [3, 5, 0.25, 2000],
    [3, 5, 0.5, 2000]
  ])("on the %s-ary tree of depth %s seeded at its root, p = %s: the mean spread is Σ (bp)^k within 3 SE", async (b, d, p, runs) => {
    const { mean: expected, variance } = treeMoments(b, d, p)
    const measured = await spreads(tree(b, d), p, runs, d + 1)
    const se = Math.sqrt(variance / runs)
    expect(Math.abs(mean(measured) - expected), `${mean(measured)} vs ${expected}, SE ${se}`).toBeLessThan(k * se)
  }, 60_000)

  it("on an Erdős–Rényi graph (2,000 agents, z = 4), p = 0.5: large cascades reach S = 1 − exp(−z p S) within 3 SE", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const z = 4 * (1999 / 2000), shares: number[] = []
    for (let seed = 1; seed <= 40; seed++) {
      const r = await simulate({ ...scenario, seed, ticks: 200 }, { file, stop: [{ kind: "steady", metric: "cascade_active", ticks: 1, tolerance: 0 }] })
      const last = r.metrics.rows.at(-1)!
      expect(last[r.metrics.columns.indexOf("cascade_fresh")]).toBe(0)
      shares.push(last[r.metrics.columns.indexOf("cascade_active")])
    }
    // a cascade is large or dies within a few agents (bond percolation: the seed's cluster is giant or finite)
    const large = shares.filter((x) => x > 0.1)
    expect(Math.max(...shares.filter((x) => x <= 0.1))).toBeLessThan(0.02)
    let S = 1
    for (let it = 0; it < 1000; it++) S = 1 - Math.exp(-z * 0.5 * S)
    // the large cascades' sample sd over √runs is the SE (the finite-size spread has no simple closed form)
    const sd = Math.sqrt(large.reduce((a, x) => a + (x - mean(large)) ** 2, 0) / (large.length - 1))
    const se = sd / Math.sqrt(large.length)
    expect(Math.abs(mean(large) - S), `${mean(large)} vs ${S}, SE ${se}`).toBeLessThan(k * se)
  }, 60_000)

  it("p = 1 reaches every agent of the path; p = 0 only the seed", async () => {
    expect(await spreads(path(25), 1, 1, 25)).toEqual([25])
    expect(await spreads(path(25), 0, 1, 25)).toEqual([1])
  })
})
