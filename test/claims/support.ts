// Runs a claims experiment in this process, exactly as `kiln sweep` would (same design, same seeds, same
// recording), and summarises the final values of each condition over its replicates.
import { join } from "node:path"
import { Effect } from "effect"
import { Engine } from "../../src/model/engine.js"
import { expandDesign } from "../../src/experiment/design.js"
import { loadExperiment } from "../../src/experiment/load.js"
import { runLoop } from "../../src/run/loop.js"
import { prepareWorld } from "../../src/run/simulation.js"
import type { World } from "../../src/model/world.js"

export const claimsDir = join(import.meta.dirname, "../../scenarios/claims")

export interface ClaimRun {
  /** factor column → level (e.g. { condition: "slow" }) */
  readonly values: Readonly<Record<string, unknown>>
  readonly replicate: number
  readonly seed: number
  /** metric → value at the last tick */
  readonly final: Readonly<Record<string, number>>
  /** metric → recorded series (tick 0, every recordEvery-th tick, the last) */
  readonly series: Readonly<Record<string, number[]>>
  /** the world at the end of the run (spins, couplings, groups…) */
  readonly world: World
}

/** Runs every run of the experiment file through the run loop, one after the other, with its stop rules. */
export const runClaim = async (file: string): Promise<ClaimRun[]> => {
  const design = expandDesign(loadExperiment(join(claimsDir, file)))
  const runs: ClaimRun[] = []
  for (const run of design.runs) {
    const point = design.points[run.point]
    const engine = new Engine(prepareWorld({ ...point.scenario, seed: run.seed }, design.experiment.baseFile))
    const { metrics } = await Effect.runPromise(runLoop(engine, { stop: design.experiment.spec.stop }))
    const series: Record<string, number[]> = {}
    const final: Record<string, number> = {}
    metrics.columns.forEach((c, k) => {
      series[c] = metrics.rows.map((r) => r[k])
      final[c] = series[c][series[c].length - 1]
    })
    runs.push({ values: point.values, replicate: run.replicate, seed: run.seed, final, series, world: engine.world })
  }
  return runs
}

export interface Summary {
  readonly n: number
  readonly mean: number
  readonly sd: number
  readonly se: number
  readonly values: number[]
}

export const summarise = (values: number[]): Summary => {
  const n = values.length
  const mean = values.reduce((a, b) => a + b, 0) / n
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0
  return { n, mean, sd, se: sd / Math.sqrt(n), values }
}

/** The statistic of each run, grouped by the level of `column` (default "condition"). */
export const byCondition = (
  runs: ReadonlyArray<ClaimRun>,
  stat: (r: ClaimRun) => number,
  column = "condition"
): Record<string, Summary> => {
  const groups: Record<string, number[]> = {}
  for (const r of runs) (groups[String(r.values[column])] ??= []).push(stat(r))
  return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, summarise(v)]))
}

export const finalOf = (metric: string) => (r: ClaimRun): number => {
  const v = r.final[metric]
  if (v === undefined) throw new Error(`no metric ${metric}`)
  return v
}

/** Mean of a metric over the recorded ticks in [from, to] (a long-run average). */
export const averageOf = (metric: string, from: number, to = Infinity) => (r: ClaimRun): number => {
  const ticks = r.series.tick
  const xs = r.series[metric].filter((_, k) => ticks[k] >= from && ticks[k] <= to)
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

export const fmt = (s: Summary, digits = 3): string => `${s.mean.toFixed(digits)} ± ${s.se.toFixed(digits)}`

/** Prints the table of a claim (kept in the test log: the numbers docs/SCENARIOS.md quotes). */
export const report = (claim: string, metric: string, table: Record<string, Summary>): void => {
  const cells = Object.entries(table).map(([k, s]) => `${k} ${fmt(s)}`).join(" | ")
  console.log(`[${claim}] ${metric}: ${cells}`)
}

/** How far b.mean lies above a.mean, in standard errors of the difference (unpaired). */
export const zAbove = (a: Summary, b: Summary): number => (b.mean - a.mean) / Math.sqrt(a.se ** 2 + b.se ** 2)

/** The central interval [lo, hi] of win counts a fair coin gives in n tries with probability ≥ level (exact binomial). */
export const binomialInterval = (n: number, p = 0.5, level = 0.99): readonly [number, number] => {
  const pmf: number[] = []
  let logC = 0
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k)
    pmf.push(Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p)))
  }
  const tail = (1 - level) / 2
  let lo = 0, acc = 0
  while (acc + pmf[lo] <= tail) acc += pmf[lo++]
  let hi = n
  acc = 0
  while (acc + pmf[hi] <= tail) acc += pmf[hi--]
  return [lo, hi]
}
