// The q-voter model against its known results: q = 1 replays the voter model run for run; for q = 2, 3 the exit
// probability and the mean consensus time match the exact complete-graph chain within K standard errors; above
// ε_c = (q − 1)/(2^q − 2) the population stays disordered.
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { loadPlugins, loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { simulate } from "../../src/run/simulation.js"
import type { StopRuleInput } from "../../src/run/stop-rules.js"
import type { Scenario } from "../../src/scenario/schema.js"
import { absorptionTime, fixation, type Chain } from "./birth-death.js"

const file = join(import.meta.dirname, "../../scenarios/models/qvoter.json")
/** Standard errors allowed: a correct model fails a (normal) check once in about 16,000. */
const K = 4
const untilConsensus: StopRuleInput[] = [
  { kind: "crossing", metric: "qvoter_share", threshold: 1, direction: "up" },
  { kind: "crossing", metric: "qvoter_share", threshold: 0, direction: "down" }
]

const qvoter = (s: Scenario, seed: number, options: Record<string, unknown>, graph: Scenario["graph"] = s.graph): Scenario =>
  ({ ...s, seed, graph, ticks: 5000, recordEvery: 1, plugins: [{ module: "kiln:qvoter", options }] })

/**
 * The complete graph of N as a birth–death chain: an agent holding 0 sees k ones among its N − 1 neighbours, one
 * holding 1 sees k − 1; q draws with repetition agree with chance (ones/(N−1))^q or (zeros/(N−1))^q.
 */
const chain = (N: number, q: number, epsilon: number): Chain => {
  const agree = (ones: number, zeros: number) => [(ones / (N - 1)) ** q, (zeros / (N - 1)) ** q]
  return {
    N,
    up: (k) => { const [one, zero] = agree(k, N - 1 - k); return ((N - k) / N) * (one + epsilon * (1 - one - zero)) },
    down: (k) => { const [one, zero] = agree(k - 1, N - k); return (k / N) * (zero + epsilon * (1 - one - zero)) }
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const standardError = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length)

describe("the q-voter model", () => {
  it("q = 1 is the voter model: the same opinions, change times and metrics for the same seed", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const graph of [scenario.graph, { kind: "barabasiAlbert" as const, n: 100, m: 2 }]) {
      for (let seed = 1; seed <= 10; seed++) {
        const s = { ...qvoter(scenario, seed, { p0: 0.3, q: 1, epsilon: 0.5 }, graph), ticks: 80 }
        const q1 = await simulate(s, { file })
        const voter = await simulate({ ...s, plugins: [{ module: "kiln:voter", options: { p0: 0.3 } }] }, { file })
        const [a, b] = [q1.world.plugins[0].state, voter.world.plugins[0].state]
        expect([...a.opinion], `${graph.kind} seed ${seed}`).toEqual([...b.opinion])
        expect([...a.changed]).toEqual([...b.changed])
        expect(q1.metrics.rows).toEqual(voter.metrics.rows)
      }
    }
  })

  it.each([[2, 0], [3, 0], [2, 0.2], [3, 0.2]])("q = %i, ε = %f: exit probability and consensus time of the exact chain, from 45% (N = 100, 1,000 runs)", async (q, epsilon) => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const N = 100, start = 45, runs = 1000
    const wins: number[] = [], times: number[] = []
    for (let seed = 1; seed <= runs; seed++) {
      const r = await simulate(qvoter(scenario, seed, { p0: start / N, q, epsilon }), { file, stop: untilConsensus })
      expect(r.stopReason, `seed ${seed}`).not.toBe("ticks")
      const { opinion, changed } = r.world.plugins[0].state
      wins.push(opinion[0])
      times.push(Math.max(...changed))
    }
    const exit = fixation(chain(N, q, epsilon))[start], exactTime = absorptionTime(chain(N, q, epsilon))[start] / N
    const exitSE = Math.sqrt((exit * (1 - exit)) / runs)
    console.log(`q=${q} ε=${epsilon}: P(1 wins) ${mean(wins).toFixed(4)} ± ${exitSE.toFixed(4)} (exact ${exit.toFixed(4)}; voter 0.45), T ${mean(times).toFixed(3)} ± ${standardError(times).toFixed(3)} ticks (exact ${exactTime.toFixed(3)})`)
    expect(Math.abs(mean(wins) - exit)).toBeLessThan(K * exitSE)
    expect(Math.abs(mean(times) - exactTime)).toBeLessThan(K * standardError(times))
  })

  it("above ε_c = (q − 1)/(2^q − 2) there is no consensus: q = 3, ε = 0.6 (ε_c = 1/3) stays mixed for 500 ticks", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const N = 100
    // the exact chain: consensus takes 5.6 million ticks on average (q = 2, ε = 0.6, just above ε_c = 1/2: 526)
    expect(absorptionTime(chain(N, 3, 0.6))[N / 2] / N).toBeGreaterThan(1e6)
    for (let seed = 1; seed <= 5; seed++) {
      const r = await simulate({ ...qvoter(scenario, seed, { p0: 0.5, q: 3, epsilon: 0.6 }), ticks: 500 }, { file, stop: untilConsensus })
      expect(r.stopReason).toBe("ticks")
      const shares = r.metrics.rows.slice(100).map((row) => row.at(-1)!)
      console.log(`q=3 ε=0.6 seed ${seed}: share ${mean(shares).toFixed(3)}, range ${Math.min(...shares).toFixed(2)}..${Math.max(...shares).toFixed(2)}`)
    }
  })

  it("refuses options out of range, naming their path", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const [options, path] of [[{ q: 0 }, "plugins[0].options.q"], [{ q: 1.5 }, "plugins[0].options.q"], [{ epsilon: -0.1 }, "plugins[0].options.epsilon"]] as const) {
      const e = await loadPlugins(qvoter(scenario, 1, options).plugins!, file).catch((x) => x)
      expect(e).toBeInstanceOf(InputError)
      expect((e as InputError).path).toBe(path)
    }
  })
})
