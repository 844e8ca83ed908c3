// Cultural transmission biases against their known results: unbiased copying keeps the expected frequency (and
// mutation pulls it to 1/2 as (1 − 2μ)^t), direct bias moves p by s p(1−p), conformist bias by D p(1−p)(2p−1),
// prestige bias copies in proportion to prestige; each generation's change against its exact expectation given the
// last, within K standard errors. A practice that heats its holders raises the built-in model's energy.
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import type { World } from "../../src/model/world.js"
import { loadPlugins, loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runWorld, simulate } from "../../src/run/simulation.js"
import type { Scenario } from "../../src/scenario/schema.js"

const file = join(import.meta.dirname, "../../scenarios/models/transmission-biases.json")
/** Standard errors allowed: a correct model fails a (normal) check once in about 16,000. */
const K = 4

const withOptions = (s: Scenario, seed: number, ticks: number, options: Record<string, unknown>, n = 200): Scenario =>
  ({ ...s, seed, ticks, graph: { kind: "complete", n }, plugins: [{ module: "kiln:transmission-biases", options }] })

/** The chance that a learner adopts trait 1 when a share x of its demonstrators' pool holds it, after mutation μ. */
const adoption = (bias: string, s: number, D: number, mu: number) => (x: number): number => {
  const learnt = bias === "direct" ? x + s * x * (1 - x) : bias === "conformist" ? x + D * x * (1 - x) * (2 * x - 1) : x
  return learnt * (1 - mu) + (1 - learnt) * mu
}

/**
 * The exact mean and variance of the next p on a complete graph of N with K holders: a holder learns from the
 * N − 1 others, of whom K − 1 hold trait 1, a non-holder from K of N − 1; agents learn independently.
 */
const nextGeneration = (g: (x: number) => number, N: number, p: number) => {
  const holders = Math.round(p * N)
  const [g1, g0] = [g((holders - 1) / (N - 1)), g(holders / (N - 1))]
  return { mean: (holders * g1 + (N - holders) * g0) / N, variance: (holders * g1 * (1 - g1) + (N - holders) * g0 * (1 - g0)) / N ** 2 }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const standardError = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length)

describe("transmission biases", () => {
  it.each([
    ["direct", { s: 0.5 }],
    ["conformist", { D: 0.6 }],
    ["direct", { s: 0.5, mu: 0.05 }],
    ["unbiased", { mu: 0.1 }]
  ] as const)("%s %o: every generation's p against its exact expectation given the last (N = 500, 10 seeds × 12 generations)", async (bias, params) => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const N = 500, o = { s: 0, D: 0, mu: 0, ...params }
    const g = adoption(bias, o.s, o.D, o.mu)
    let residual = 0, variance = 0, formula = 0, chiSquare = 0, generations = 0
    for (let seed = 1; seed <= 10; seed++) {
      // above 1/2, where the conformist push is upward as the direct one is: a flipped bias cannot cancel out
      const p0 = [0.55, 0.6, 0.65, 0.7, 0.8][seed % 5]
      const r = await simulate(withOptions(scenario, seed, 12, { bias, p0, ...params }, N), { file })
      const p = r.metrics.rows.map((row) => row.at(-1)!)
      for (let t = 1; t < p.length; t++) {
        const next = nextGeneration(g, N, p[t - 1])
        // at fixation without mutation nothing can change
        if (next.variance === 0) { expect(p[t]).toBe(p[t - 1]); continue }
        residual += p[t] - next.mean
        variance += next.variance
        chiSquare += (p[t] - next.mean) ** 2 / next.variance
        generations++
        // the infinite-population formula, for the report: p + s p(1−p) or p + D p(1−p)(2p−1), then mutation
        formula += p[t] - g(p[t - 1])
      }
    }
    console.log(`${bias} ${JSON.stringify(params)}: ${generations} generations, mean residual ${(residual / generations).toExponential(2)} ± ${(Math.sqrt(variance) / generations).toExponential(2)} (against the formula for infinite N: ${(formula / generations).toExponential(2)}), χ² ${chiSquare.toFixed(1)} on ${generations}`)
    expect(Math.abs(residual)).toBeLessThan(K * Math.sqrt(variance))
    // every generation's z-score, squared and summed: χ² with `generations` degrees of freedom, sd √(2·generations)
    expect(chiSquare).toBeLessThan(generations + K * Math.sqrt(2 * generations))
  })

  it("unbiased copying keeps the expected frequency: mean p_20 − p_0 over 60 seeds is 0 within SE", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const changes: number[] = []
    for (let seed = 1; seed <= 60; seed++) {
      const r = await simulate(withOptions(scenario, seed, 20, { bias: "unbiased", p0: 0.3 }), { file })
      changes.push(r.metrics.rows.at(-1)!.at(-1)! - r.metrics.rows[0].at(-1)!)
    }
    // drift alone: sd of p_20 − p_0 ≈ √(p(1−p)·20/N) = 0.14 for N = 200
    console.log(`unbiased N=200 p0=0.3: mean p_20 − p_0 = ${mean(changes).toFixed(4)} ± ${standardError(changes).toFixed(4)}, sd ${(standardError(changes) * Math.sqrt(60)).toFixed(3)}`)
    expect(Math.abs(mean(changes))).toBeLessThan(K * standardError(changes))
  })

  it("prestige bias: each learner copies j with chance prestige_j / Σ prestige of the others (N = 500, trait on the 30% most prestigious, one generation, 10 seeds)", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const N = 500
    let residual = 0, variance = 0, unbiased = 0
    for (let seed = 1; seed <= 10; seed++) {
      const s = withOptions(scenario, seed, 1, { bias: "prestige", sigma: 1.5, p0: 0.3 }, N)
      const world = prepareWorld(s, file, undefined, false, await loadPlugins(s.plugins ?? [], file))
      // trait 1 on the 30% most prestigious, so that prestige-biased and unbiased copying differ widely
      const { trait, prestige } = world.plugins[0].state
      const ranked = Array.from({ length: N }, (_, i) => i).sort((a, b) => prestige[b] - prestige[a])
      ranked.forEach((i, rank) => (trait[i] = rank < 0.3 * N ? 1 : 0))
      const expected = prestigeExpectation(world)
      await Effect.runPromise(runWorld(world, { file }).pipe(Effect.provide(Scheduler.workerPool(1))))
      expected.forEach((q, i) => ((residual += trait[i] - q), (variance += q * (1 - q)), (unbiased += q - 0.3)))
    }
    console.log(`prestige σ=1.5, trait on the top 30%: Σ(t' − E t') = ${residual.toFixed(1)} ± ${Math.sqrt(variance).toFixed(1)} over ${10 * N} learners; E p' = ${(0.3 + unbiased / (10 * N)).toFixed(4)} (unbiased copying: 0.3)`)
    expect(Math.abs(residual)).toBeLessThan(K * Math.sqrt(variance))
  })

  it("a practice that heats its holders raises the built-in model's energy (same seeds with and without heat)", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (let seed = 1; seed <= 3; seed++) {
      const energy = async (heat: number) => {
        const r = await simulate(withOptions(scenario, seed, 5, { bias: "conformist", p0: 0.5, heat }), { file })
        return r.metrics.rows.at(-1)![r.metrics.columns.indexOf("energy_mean")]
      }
      expect(await energy(1), `seed ${seed}`).toBeGreaterThan(await energy(0))
    }
  })

  it("refuses options out of range, naming their path", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const [options, path] of [[{ bias: "payoff" }, "plugins[0].options.bias"], [{ s: 2 }, "plugins[0].options.s"], [{ mu: -0.1 }, "plugins[0].options.mu"], [{ heat: -1 }, "plugins[0].options.heat"]] as const) {
      const e = await loadPlugins(withOptions(scenario, 1, 1, options).plugins!, file).catch((x) => x)
      expect(e).toBeInstanceOf(InputError)
      expect((e as InputError).path).toBe(path)
    }
  })
})

/** Each learner's chance of trait 1 after one prestige-biased generation: Σ_{j≠i} w_j t_j / Σ_{j≠i} w_j. */
const prestigeExpectation = (world: World): Float64Array => {
  const { trait, prestige } = world.plugins[0].state
  let weighted = 0, total = 0
  for (let j = 0; j < trait.length; j++) ((weighted += prestige[j] * trait[j]), (total += prestige[j]))
  return Float64Array.from(trait, (t, i) => (weighted - prestige[i] * t) / (total - prestige[i]))
}
