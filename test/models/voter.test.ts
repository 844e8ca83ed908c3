// The voter model against its known results: fixation probability = initial (degree-weighted) share of opinion 1,
// mean consensus time of the exact complete-graph chain, Sood & Redner's μ1²N/μ2 on Barabási–Albert graphs, and
// the exact stationary share with zealots of both opinions. Every statistical check is within K standard errors.
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import type { World } from "../../src/model/world.js"
import { loadPlugins, loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runWorld } from "../../src/run/simulation.js"
import type { StopRuleInput } from "../../src/run/stop-rules.js"
import type { Scenario } from "../../src/scenario/schema.js"
import { absorptionTime, moments, stationary } from "./birth-death.js"

const file = join(import.meta.dirname, "../../scenarios/models/voter.json")
/** Standard errors allowed: a correct model fails a (normal) check once in about 16,000. */
const K = 4
const untilConsensus: StopRuleInput[] = [
  { kind: "crossing", metric: "voter_share", threshold: 1, direction: "up" },
  { kind: "crossing", metric: "voter_share", threshold: 0, direction: "down" }
]

const withOptions = (s: Scenario, seed: number, options: Record<string, unknown>, graph: Scenario["graph"] = s.graph): Scenario =>
  ({ ...s, seed, graph, ticks: 5000, recordEvery: 1, plugins: [{ module: "kiln:voter", options }] })

/** Runs a scenario on this thread; `before` sees the world after init, before the first tick. */
const run = async (s: Scenario, stop: StopRuleInput[], before: (w: World) => void = () => {}) => {
  const world = prepareWorld(s, file, undefined, false, await loadPlugins(s.plugins ?? [], file))
  before(world)
  const r = await Effect.runPromise(runWorld(world, { stop, file }).pipe(Effect.provide(Scheduler.workerPool(1))))
  return { ...r, state: world.plugins[0].state }
}

/** Degree of each agent from the CSR offsets. */
const degrees = (w: World): Float64Array => Float64Array.from({ length: w.constants.n }, (_, i) => w.topology.offsets[i + 1] - w.topology.offsets[i])

/** Degree-weighted share of opinion 1: the conserved quantity of the node-update voter model. */
const weightedShare = (opinion: ArrayLike<number>, k: Float64Array): number => {
  let ones = 0, all = 0
  k.forEach((d, i) => ((ones += d * opinion[i]), (all += d)))
  return ones / all
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const standardError = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length)
/** −[ρ ln ρ + (1−ρ) ln(1−ρ)] */
const entropy = (p: number) => -(p * Math.log(p) + (1 - p) * Math.log(1 - p))

describe("the voter model", () => {
  it("on a complete graph of 100, opinion 1 held by 30% wins in 30% of 1,000 runs, after the exact chain's mean time", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const N = 100, rho = 0.3, runs = 1000
    const wins: number[] = [], times: number[] = []
    for (let seed = 1; seed <= runs; seed++) {
      const r = await run(withOptions(scenario, seed, { p0: rho }), untilConsensus)
      expect(r.stopReason, `seed ${seed}`).not.toBe("ticks")
      wins.push(r.state.opinion[0])
      times.push(Math.max(...r.state.changed))
    }
    // fixation: binomial SE √(ρ(1−ρ)/R) = 0.014
    expect(Math.abs(mean(wins) - rho)).toBeLessThan(K * Math.sqrt((rho * (1 - rho)) / runs))
    // consensus time in ticks (N updates): the exact chain gives 59.98 (−N[ρ ln ρ + (1−ρ) ln(1−ρ)] = 61.09 as N → ∞)
    const same = (k: number) => (k * (N - k)) / (N * (N - 1))
    const exact = absorptionTime({ N, up: same, down: same })[rho * N] / N
    console.log(`complete N=${N} ρ=${rho}: P(1 wins) ${mean(wins).toFixed(4)} ± ${Math.sqrt((rho * (1 - rho)) / runs).toFixed(4)}, T ${mean(times).toFixed(2)} ± ${standardError(times).toFixed(2)} ticks (exact chain ${exact.toFixed(2)}, N·H(ρ) ${(N * entropy(rho)).toFixed(2)})`)
    expect(Math.abs(mean(times) - exact), `T ${mean(times)} ± ${standardError(times)}, exact ${exact}`).toBeLessThan(K * standardError(times))
    expect(Math.abs(exact - N * entropy(rho)) / exact).toBeLessThan(0.02)
  })

  it("on Barabási–Albert graphs, opinion 1 held by the 20% best connected wins with their degree-weighted share ω0, and consensus takes about μ1²N/μ2 · H(ω0)", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const N = 200, runs = 200
    const wins: number[] = [], omega: number[] = [], times: number[] = [], predicted: number[] = []
    for (let seed = 1; seed <= runs; seed++) {
      let w0 = 0, scale = 0
      const r = await run(withOptions(scenario, seed, {}, { kind: "barabasiAlbert", n: N, m: 2 }), untilConsensus, (w) => {
        const k = degrees(w)
        // opinion 1 on the 20% best-connected agents: a share of 0.2 but a degree-weighted share near 0.45
        const { opinion } = w.plugins[0].state
        Array.from({ length: N }, (_, i) => i).sort((a, b) => k[b] - k[a] || a - b).forEach((i, rank) => (opinion[i] = rank < 0.2 * N ? 1 : 0))
        w0 = weightedShare(opinion, k)
        scale = (mean([...k]) ** 2 * N) / mean([...k].map((d) => d * d))
      })
      expect(r.stopReason, `seed ${seed}`).not.toBe("ticks")
      wins.push(r.state.opinion[0])
      omega.push(w0)
      times.push(Math.max(...r.state.changed))
      predicted.push(scale * entropy(w0))
    }
    // exact: P(1 wins) = ω0 (a martingale); the sum of Bernoulli(ω0) has variance Σ ω0(1 − ω0)
    const variance = omega.reduce((a, w) => a + w * (1 - w), 0)
    console.log(`BA n=${N} m=2: 1 won ${wins.reduce((a, b) => a + b, 0)} of ${runs}, Σ ω0 = ${omega.reduce((a, b) => a + b, 0).toFixed(1)} ± ${Math.sqrt(variance).toFixed(1)}`)
    expect(Math.abs(wins.reduce((a, b) => a + b, 0) - omega.reduce((a, b) => a + b, 0))).toBeLessThan(K * Math.sqrt(variance))
    // Sood & Redner's mean-field time is an approximation: report the ratio, and check that heterogeneity speeds
    // consensus up as it predicts (the complete graph of 200 would take 200·H(ω0) ≈ 139 ticks)
    const ratio = mean(times) / mean(predicted)
    console.log(`BA n=${N} m=2: T = ${mean(times).toFixed(2)} ± ${standardError(times).toFixed(2)} ticks, μ1²N/μ2·H(ω0) = ${mean(predicted).toFixed(2)}, ratio ${ratio.toFixed(3)} ± ${(standardError(times) / mean(predicted)).toFixed(3)}`)
    expect(mean(times) + K * standardError(times)).toBeLessThan(N * mean(omega.map(entropy)))
  })

  it("with zealots of both opinions there is no consensus; the free agents' mean share is the exact Z1/(Z1+Z0)", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const N = 100, Z1 = 10, Z0 = 5, F = N - Z1 - Z0, burnIn = 100, ticks = 600, seeds = 10
    const zealots = [{ opinion: 1, fraction: Z1 / N }, { opinion: 0, fraction: Z0 / N }]
    const seedMeans: number[] = []
    let lowest = 1, highest = 0
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await run({ ...withOptions(scenario, seed, { p0: 0.5, zealots }), ticks }, [])
      // the free agents' share from the population's: (N·share − Z1)/F
      const free = r.metrics.rows.filter((row) => row[0] > burnIn).map((row) => (N * row.at(-1)! - Z1) / F)
      seedMeans.push(mean(free))
      lowest = Math.min(lowest, ...free)
      highest = Math.max(highest, ...free)
    }
    // the exact stationary distribution of the free count: mean Z1/(Z1+Z0) = 2/3, sd 0.128
    const exact = moments(stationary({
      N: F,
      up: (k) => ((F - k) / N) * ((k + Z1) / (N - 1)),
      down: (k) => (k / N) * ((F - k + Z0) / (N - 1))
    }), F)
    console.log(`zealots ${Z1}/${Z0} of ${N}: free share ${mean(seedMeans).toFixed(4)} ± ${standardError(seedMeans).toFixed(4)} (exact ${exact.mean.toFixed(4)}, sd ${exact.sd.toFixed(3)}), range ${lowest.toFixed(2)}..${highest.toFixed(2)}`)
    // per-seed means over 500 ticks are independent; the relaxation time is (N − 1)/(Z1 + Z0) = 6.6 ticks
    expect(Math.abs(mean(seedMeans) - exact.mean)).toBeLessThan(K * standardError(seedMeans))
    expect([lowest > 0, highest < 1]).toEqual([true, true])
  })

  it("refuses options out of range, naming their path", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const [options, path] of [
      [{ p0: 1.5 }, "plugins[0].options.p0"],
      [{ zealots: [{ opinion: 2, fraction: 0.1 }] }, "plugins[0].options.zealots[0].opinion"],
      [{ zealots: [{ opinion: 1, fraction: 0.6 }, { opinion: 0, fraction: 0.6 }] }, "plugins[0].options.zealots"]
    ] as const) {
      const e = await loadPlugins(withOptions(scenario, 1, options).plugins!, file).catch((x) => x)
      expect(e).toBeInstanceOf(InputError)
      expect((e as InputError).path).toBe(path)
    }
  })
})
