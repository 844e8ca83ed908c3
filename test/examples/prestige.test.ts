// The prestige example: agents copy a neighbour with probability prestige_j / Σ prestige over their neighbours, so a
// trait seeded on high-prestige agents spreads faster than one seeded on low-prestige agents; the CLI and the API give
// the same bytes on any number of threads.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runWorld, simulate } from "../../src/run/simulation.js"
import type { Scenario } from "../../src/scenario/schema.js"

const root = join(import.meta.dirname, "../..")
const file = join(root, "examples/plugins/prestige.json")

const withOptions = (s: Scenario, options: Record<string, unknown>, graph: Scenario["graph"]): Scenario =>
  ({ ...s, graph, plugins: [{ module: "./prestige.mjs", options: { sigma: 1, p0: 0.1, seedOn: "high", ...options } }] })

describe("prestige-biased copying", () => {
  it("copies neighbour j with probability prestige_j / Σ prestige, per prestige quartile within 4 binomial sd", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const n = 40
    // per quartile of the model's prestige rank: agents that copied from it, and the expected count and variance
    const observed = [0, 0, 0, 0], expected = [0, 0, 0, 0], variance = [0, 0, 0, 0]
    for (let seed = 1; seed <= 40; seed++) {
      const s = withOptions({ ...scenario, seed }, { seedOn: "random" }, { kind: "complete", n })
      const { prestige, model } = (await simulate(s, { file, ticks: 1 })).world.plugins[0].state
      const quartile = new Int32Array(n)
      Array.from({ length: n }, (_, i) => i).sort((a, b) => prestige[a] - prestige[b]).forEach((i, rank) => (quartile[i] = Math.floor((4 * rank) / n)))
      const total = Array.from(prestige).reduce((a, b) => a + b, 0)
      for (let i = 0; i < n; i++) {
        expect(model[i]).not.toBe(i)
        observed[quartile[model[i]]]++
        const q = [0, 0, 0, 0]
        for (let j = 0; j < n; j++) if (j !== i) q[quartile[j]] += prestige[j] / (total - prestige[i])
        for (let k = 0; k < 4; k++) (expected[k] += q[k], variance[k] += q[k] * (1 - q[k]))
      }
    }
    for (let k = 0; k < 4; k++) expect(Math.abs(observed[k] - expected[k]), `quartile ${k}`).toBeLessThan(4 * Math.sqrt(variance[k]))
    // the bias is strong enough for the check to mean something: the top quartile is copied far more often
    expect(expected[3]).toBeGreaterThan(4 * expected[0])
  })

  it("a trait seeded on the most prestigious 10% spreads, one seeded on the least prestigious 10% recedes", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const seed of [1, 2, 3, 4, 5]) {
      const final = async (seedOn: string) => {
        const s = withOptions({ ...scenario, seed }, { seedOn }, { kind: "erdosRenyi", n: 500, p: 0.04 })
        const r = await simulate(s, { file, ticks: 3 })
        return r.metrics.rows.map((row) => row.at(-1)!)
      }
      const [high, low] = [await final("high"), await final("low")]
      expect([high[0], low[0]]).toEqual([0.1, 0.1])
      expect(high.at(-1)!, `seed ${seed}`).toBeGreaterThan(0.2)
      expect(low.at(-1)!, `seed ${seed}`).toBeLessThan(0.06)
    }
  })

  it("gives the same bytes on 1, 2 and 3 threads through the API, every phase split", async () => {
    const { scenario, plugins } = await loadScenarioWithPlugins(file)
    const s = { ...scenario, ticks: 4, graph: { kind: "erdosRenyi" as const, n: 300, p: 0.05 } }
    const run = async (threads: number) => {
      const w = prepareWorld(s, file, undefined, threads > 1, plugins)
      const r = await Effect.runPromise(runWorld(w).pipe(Effect.provide(Scheduler.workerPool(threads, 1))))
      const { trait, model, prestige } = w.plugins[0].state
      return [r.metrics.rows, [...trait], [...model], [...prestige]]
    }
    const one = await run(1)
    expect(await run(2)).toEqual(one)
    expect(await run(3)).toEqual(one)
  })

  it("gives the same bytes on 1 and 2 threads through the CLI", () => {
    const out = mkdtempSync(join(tmpdir(), "kiln-prestige-"))
    const run = (workers: number) => {
      const dir = join(out, `w${workers}`)
      const r = spawnSync(process.execPath, [join(root, "bin/kiln.mjs"), "run", file, "--ticks", "6", "--workers", String(workers), "--quiet", "--out", dir], { encoding: "utf8" })
      expect(r.status, r.stderr).toBe(0)
      expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).workers).toBe(workers)
      return ["metrics.csv", "metrics.parquet", "agents.parquet"].map((f) => readFileSync(join(dir, f)))
    }
    expect(run(2)).toEqual(run(1))
  })
})
