// `kiln calibrate`: ABC-SMC over Kiln. Each batch of proposals is one conditions factor (an arm per particle) run
// by the sweep machinery into a store in a working directory beside the output; the finished calibration's tables,
// plots and manifest are written there and the directory is renamed into place.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { basename, dirname, join, resolve } from "node:path"
import { Effect, Exit } from "effect"
import { InputError, RunError } from "../../errors.js"
import { cleanStaleTemps, planRunDir, safeName, swapInto } from "../../io/output-dir.js"
import { toCsv } from "../../io/run-dir.js"
import { isRecorded } from "../../run/loop.js"
import { KILN_VERSION } from "../../version.js"
import { expandDesign, stableJson, type Design, type Json } from "../design.js"
import { loadExperimentWithPlugins, withRunCounts, type Experiment } from "../load.js"
import { runSweep, type SweepProgress } from "../sweep.js"
import { closeDb, ident, literal, openDb, readRows } from "../store.js"
import { abcOptionProblems, abcSmc, type AbcGeneration, type AbcParameter, type AbcResult } from "./abc.js"
import { checkTargets, loadTargets, type Targets } from "./targets.js"
import { writePlots } from "./plots.js"
import { writeParquet, type ParquetType } from "../../io/parquet.js"
import { writeFileAtomic } from "../../io/output-dir.js"

export interface CalibrateOptions {
  /** output directory (default runs/calibration-<experiment name>-<seed>) */
  readonly out?: string
  /** particles per population (default 100) */
  readonly particles?: number
  /** populations, the prior's included (default 5 unless untilEpsilon is given) */
  readonly generations?: number
  /** stop after the first population whose tolerance is at most this */
  readonly untilEpsilon?: number
  /** the next tolerance is this weighted quantile of the current distances (default 0.5) */
  readonly alpha?: number
  /** worker threads, one run each (default: the cores; 0: this thread) */
  readonly workers?: number
  /** threads stepping each run (default 1) */
  readonly threads?: number
  /** the calibration's seed (default the experiment's): the runs' seeds and the proposals derive from it */
  readonly seed?: number
  /** continue an interrupted calibration from its working directory */
  readonly resume?: boolean
  /** replace an earlier calibration in the output directory */
  readonly overwrite?: boolean
  /** option names in errors: "--particles" (CLI) or "particles" (API) */
  readonly flags?: boolean
  readonly onProgress?: (p: CalibrateProgress) => void
  /** aborting stops the running batch (its workers end, its committed runs stay): the calibration can be resumed */
  readonly signal?: AbortSignal
}

export type CalibrateProgress =
  | { readonly kind: "batch"; readonly generation: number; readonly batch: number; readonly sweep: SweepProgress }
  | { readonly kind: "generation"; readonly generation: AbcGeneration; readonly resumed: boolean }
  | { readonly kind: "note"; readonly message: string }

export interface CalibrationResult {
  /** the output directory written */
  readonly dir: string
  readonly parameters: ReadonlyArray<AbcParameter & { readonly path: string }>
  readonly generations: ReadonlyArray<AbcGeneration>
  readonly posterior: AbcGeneration
  readonly scales: ReadonlyArray<number>
  readonly stopReason: AbcResult["stopReason"]
  /** runs simulated (a resumed calibration counts its earlier runs too) */
  readonly simulations: number
  readonly failedRuns: number
  readonly seconds: number
}

const STATE = "state.json"
const STORE = "runs.duckdb"
const FORMAT = "kiln-calibration/1"

/** The default output directory: runs/calibration-<name>-<seed>. */
export const defaultCalibrationDir = (e: Experiment): string => join("runs", `calibration-${safeName(e.spec.name)}-${e.spec.seed}`)

/** Where a calibration works until it is done: a hidden sibling of the output that survives a kill, for --resume. */
export const workDirFor = (final: string): string => join(dirname(final), `.${basename(final)}.calibrating`)

/** JSON with non-finite numbers kept (Infinity, NaN as strings), so a resumed population is bit-identical. */
const encode = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x), 1)
const decode = (text: string): unknown =>
  JSON.parse(text, (_k, x) => (x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : x === "NaN" ? NaN : x))


interface State {
  readonly format: string
  /** what fixes the result: a resumed calibration must have the same */
  readonly settings: Record<string, unknown>
  scales?: ReadonlyArray<number>
  generations: AbcGeneration[]
  started: string
}

/**
 * Fits the targets' parameters to their observed statistics by ABC-SMC, running every proposal through the sweep
 * machinery. Bad input throws InputError before anything runs; a failure while running, RunError.
 */
export const calibrate = async (experiment: Experiment | string, targets: Targets | string, o: CalibrateOptions = {}): Promise<CalibrationResult> => {
  const started = Date.now()
  const flag = (name: string) => (o.flags ? `--${name}` : name)
  const loaded = typeof experiment === "string" ? await loadExperimentWithPlugins(experiment) : experiment
  const t = typeof targets === "string" ? loadTargets(targets) : targets
  const e = withRunCounts(loaded, { ...(o.seed !== undefined ? { seed: o.seed } : {}) }, o.flags ?? false)
  if (e.spec.factors.length > 0) {
    throw new InputError({ file: e.file, path: "factors", message: "kiln calibrate makes its own design (one arm per particle): remove the factors, and fix other fields with set" })
  }
  const particles = o.particles ?? 100
  const parameters: Array<AbcParameter & { path: string }> = t.priors.map((p) => ({ name: p.name, path: p.path, prior: p.prior, from: p.from, to: p.to }))
  const abc = {
    parameters, observed: t.targets.map((g) => g.value), scales: t.targets.map((g) => g.scale), weights: t.targets.map((g) => g.weight),
    particles, ...(o.generations !== undefined ? { generations: o.generations } : {}),
    ...(o.untilEpsilon !== undefined ? { untilEpsilon: o.untilEpsilon } : {}), alpha: o.alpha ?? 0.5, seed: e.spec.seed
  }
  const optionNames: Record<string, string> = { particles: "particles", generations: "generations", "until-epsilon": "until-epsilon", alpha: "alpha" }
  for (const [k, message] of abcOptionProblems(abc)) {
    if (k in optionNames) throw new InputError({ file: e.file, path: flag(optionNames[k]), message })
  }
  const workers = o.workers ?? availableParallelism()
  if (!(Number.isInteger(workers) && workers >= 0)) throw new InputError({ file: e.file, path: flag("workers"), message: `expected an integer >= 0, got ${workers}` })

  // The calibration's experiment: the user's, with independent seeds (every particle's runs their own) and one arm per particle.
  const calib: Experiment = { ...e, spec: { ...e.spec, seeds: "independent", factors: [] } }
  const designOf = (arms: Record<string, Record<string, Json>>): Design =>
    expandDesign({ ...calib, spec: { ...calib.spec, factors: [{ name: "particle", conditions: arms }] } })
  // every prior's ends must make valid scenarios, and the targets name stored metrics at recorded ticks
  let probe: Design | undefined
  t.priors.forEach((p, k) => {
    for (const end of [p.from, p.to]) {
      try {
        probe = designOf({ [`${p.name}-${end}`]: { [p.path]: end } })
      } catch (err) {
        if (!(err instanceof InputError)) throw err
        const why = err.message.replace(/^the scenario of point \{[^}]*\} is invalid: /, "").split("\n")[0]
        throw new InputError({ file: t.file, path: `priors[${k}]`, message: `${p.path} = ${end} does not make a valid scenario of ${e.file}: ${why}` })
      }
    }
  })
  const base = e.baseScenario
  checkTargets(t, probe!.metricColumns, (tick) => tick <= base.ticks && isRecorded(tick, base.ticks, base.recordEvery), base.ticks)

  // Where it goes: the output is planned (and refused) first; the work happens in its hidden sibling.
  const out = resolve(o.out ?? defaultCalibrationDir(e))
  const final = planRunDir(out, { overwrite: o.overwrite ?? false }).dir
  cleanStaleTemps(dirname(final))
  const work = workDirFor(final)
  const settings = {
    experiment: probe!.identity, targets: t.targets, priors: t.priors, particles, alpha: abc.alpha, seed: e.spec.seed,
    replicates: e.spec.replicates
  }
  let state: State
  if (existsSync(work)) {
    if (!o.resume) {
      throw new InputError({ file: work, path: "", message: `holds an interrupted calibration; pass ${flag("resume")} to continue it, or delete it to start over` })
    }
    state = readState(work)
    if (stableJson(state.settings) !== stableJson(settings)) {
      const diff = Object.keys(settings).filter((k) => stableJson((state.settings as Record<string, unknown>)[k]) !== stableJson((settings as Record<string, unknown>)[k]))
      throw new InputError({
        file: work, path: "",
        message: `holds a calibration made with other settings (${diff.join(", ")} differ); continue it with the same experiment, targets, seed and ${flag("particles")}, or delete it to start over`
      })
    }
  } else {
    mkdirSync(work)
    state = { format: FORMAT, settings, generations: [], started: new Date(started).toISOString() }
    writeFileAtomic(join(work, STATE), encode(state))
  }
  const resumedGenerations = state.generations.length
  for (const g of state.generations) o.onProgress?.({ kind: "generation", generation: g, resumed: true })

  const db = join(work, STORE)
  let failedRuns = 0
  const simulate = async (thetas: ReadonlyArray<ReadonlyArray<number>>, at: { generation: number; batch: number }) => {
    const width = String(thetas.length - 1).length
    const arms: Record<string, Record<string, Json>> = {}
    const names = thetas.map((th, k) => {
      const name = `g${at.generation}-b${at.batch}-${String(k).padStart(width, "0")}`
      arms[name] = Object.fromEntries(parameters.map((q, a) => [q.path, th[a]]))
      return name
    })
    const design = designOf(arms)
    const summary = await runEffect(runSweep(design, {
      db, workers, threads: o.threads ?? 1, resume: true,
      onProgress: (p) => o.onProgress?.({ kind: "batch", generation: at.generation, batch: at.batch, sweep: p })
    }), o.signal)
    failedRuns += summary.failed
    const byName = new Map(design.points.map((p) => [String(p.values.particle), p]))
    return summaries(db, t, names.map((name) => byName.get(name)!.id), e.spec.replicates)
  }

  const result = await abcSmc({
    ...abc,
    simulate,
    ...(state.scales && state.generations.length > 0 ? { resume: { generations: state.generations, scales: state.scales } } : {}),
    onScales: (scales) => {
      state.scales = scales
    },
    onGeneration: (g) => {
      state.generations.push(g)
      writeFileAtomic(join(work, STATE), encode(state))
      o.onProgress?.({ kind: "generation", generation: g, resumed: false })
    }
  })
  if (result.stopReason === "max-proposals") {
    o.onProgress?.({ kind: "note", message: `generation ${result.posterior.generation + 1} accepted too few proposals (under 1 in 100); the posterior is generation ${result.posterior.generation}'s` })
  }

  await writeOutputs(work, { e, t, parameters, result, settings, failedRuns, resumedGenerations, started, workers, ...(o.generations !== undefined ? { generations: o.generations } : {}),
    ...(o.untilEpsilon !== undefined ? { untilEpsilon: o.untilEpsilon } : {}) })
  swapInto(work, final)
  return {
    dir: final, parameters, generations: result.generations, posterior: result.posterior, scales: result.scales,
    stopReason: result.stopReason, simulations: result.simulations, failedRuns, seconds: (Date.now() - started) / 1000
  }
}

/** Runs an Effect, rejecting with its typed failure (not a wrapper), so InputError and RunError reach the caller. */
const runEffect = async <A, E>(effect: Effect.Effect<A, E>, signal?: AbortSignal): Promise<A> => {
  if (signal?.aborted) throw new RunError({ message: "kiln calibrate: interrupted" })
  const exit = await Effect.runPromiseExit(effect, signal ? { signal } : undefined)
  if (Exit.isSuccess(exit)) return exit.value
  for (const r of exit.cause.reasons) {
    if (r._tag === "Fail") throw r.error
    if (r._tag === "Die") throw r.defect
  }
  throw new RunError({ message: "kiln calibrate: interrupted" })
}

const readState = (work: string): State => {
  const file = join(work, STATE)
  let state: State
  try {
    state = decode(readFileSync(file, "utf8")) as State
  } catch (err) {
    throw new InputError({ file, path: "", message: `cannot be read (${String(err)}); delete ${work} to start over` })
  }
  if (state?.format !== FORMAT) throw new InputError({ file, path: "format", message: `expected ${FORMAT}; delete ${work} to start over` })
  return state
}

/**
 * Each target's statistic per point (the mean over its replicates); NaN when a replicate failed or lacks the value
 * (a run a stop rule ended before the tick).
 */
const summaries = async (db: string, t: Targets, pointIds: ReadonlyArray<string>, replicates: number): Promise<number[][]> => {
  const h = await openDb(db, true)
  try {
    const runIds = pointIds.flatMap((p) => Array.from({ length: replicates }, (_, r) => `${p}-${r + 1}`))
    const inList = runIds.map(literal).join(", ")
    const columns: Array<Map<string, number>> = []
    for (const g of t.targets) {
      const m = ident(g.metric)
      const sql = g.at === "final"
        ? `SELECT run_id, ${m} AS v FROM final WHERE run_id IN (${inList})`
        : g.at === "mean"
          ? `SELECT run_id, avg(${m}) AS v FROM metrics WHERE run_id IN (${inList}) GROUP BY run_id`
          : `SELECT run_id, ${m} AS v FROM metrics WHERE tick = ${g.at} AND run_id IN (${inList})`
      const rows = await readRows(h.conn, sql)
      columns.push(new Map(rows.map((r) => [String(r.run_id), r.v === null ? NaN : Number(r.v)])))
    }
    return pointIds.map((p) => columns.map((col) => {
      let sum = 0
      for (let r = 1; r <= replicates; r++) sum += col.get(`${p}-${r}`) ?? NaN
      return sum / replicates
    }))
  } finally {
    closeDb(h)
  }
}

// ---------------------------------------------------------------- outputs

interface Outputs {
  readonly e: Experiment
  readonly t: Targets
  readonly parameters: ReadonlyArray<AbcParameter & { path: string }>
  readonly result: AbcResult
  readonly settings: Record<string, unknown>
  readonly failedRuns: number
  readonly resumedGenerations: number
  readonly started: number
  readonly workers: number
  readonly generations?: number
  readonly untilEpsilon?: number
}

/** A non-finite number as an empty cell (generation 0's tolerance, a distance with a missing statistic). */
const finite = (x: number): number => (Number.isFinite(x) ? x : NaN)

const writeOutputs = async (dir: string, x: Outputs): Promise<void> => {
  const { parameters, result } = x
  const names = parameters.map((p) => p.name)
  const stats = x.t.targets.map((g) => `${g.metric}_${g.at}`)
  const posterior = result.posterior
  const postCols = ["particle", ...names, "weight", "distance"]
  const postRows = posterior.particles.map((p, i) => [i, ...p, posterior.weights[i], finite(posterior.distances[i])])
  const partCols = ["generation", "particle", ...names, "weight", "distance", "epsilon", ...stats]
  const partRows = result.generations.flatMap((g) =>
    g.particles.map((p, i) => [g.generation, i, ...p, g.weights[i], finite(g.distances[i]), finite(g.epsilon), ...g.summaries[i]]))
  const genCols = ["generation", "epsilon", "proposed", "within", "accepted", "acceptance", "ess", ...names.flatMap((n) => [`${n}_mean`, `${n}_sd`])]
  const genRows = result.generations.map((g) => {
    const m = names.flatMap((_, a) => {
      const mean = g.particles.reduce((s, p, i) => s + g.weights[i] * p[a], 0)
      const v = g.particles.reduce((s, p, i) => s + g.weights[i] * (p[a] - mean) ** 2, 0)
      return [mean, Math.sqrt(v)]
    })
    return [g.generation, finite(g.epsilon), g.proposed, g.hits, g.particles.length, g.hits / g.proposed, g.ess, ...m]
  })
  const D: ParquetType = "DOUBLE"
  const I: ParquetType = "INTEGER"
  const tables: Array<[string, string[], unknown[][], ParquetType[]]> = [
    ["posterior", postCols, postRows, [I, ...names.map(() => D), D, D]],
    ["particles", partCols, partRows, [I, I, ...names.map(() => D), D, D, D, ...stats.map(() => D)]],
    ["generations", genCols, genRows, [I, D, I, I, I, D, D, ...names.flatMap(() => [D, D])]]
  ]
  for (const [name, cols, rows, types] of tables) {
    writeFileSync(join(dir, `${name}.csv`), toCsv(cols, rows))
    await writeParquet(
      join(dir, `${name}.parquet`),
      cols.map((c, k) => ({ name: c, type: types[k], value: (r: number) => rows[r][k] })),
      rows.length
    )
  }
  const plots = await writePlots(dir, parameters, result.generations)
  const finished = Date.now()
  const manifest = {
    status: "complete",
    kind: "calibration",
    kiln: KILN_VERSION,
    node: process.version,
    experiment: { file: x.e.file, name: x.e.spec.name, scenario: x.e.baseFile },
    targetsFile: x.t.file,
    algorithm: "ABC-SMC, adaptive tolerance (weighted alpha-quantile of the previous distances), Gaussian kernel with twice the weighted covariance",
    settings: x.settings,
    stopping: { generations: x.generations ?? null, untilEpsilon: x.untilEpsilon ?? null },
    stopReason: result.stopReason,
    scales: Object.fromEntries(stats.map((s, k) => [s, result.scales[k]])),
    posterior: Object.fromEntries(parameters.map((p, a) => [p.name, summaryOf(posterior, a)])),
    simulations: result.simulations,
    failedRuns: x.failedRuns,
    resumedGenerations: x.resumedGenerations,
    workers: x.workers,
    started: new Date(x.started).toISOString(),
    finished: new Date(finished).toISOString(),
    wallSeconds: (finished - x.started) / 1000,
    files: ["posterior.csv", "posterior.parquet", "particles.csv", "particles.parquet", "generations.csv", "generations.parquet", ...plots, STATE, STORE]
  }
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n")
}

/** Weighted mean, sd and 5 %, 50 %, 95 % quantiles of parameter a in a population. */
export const summaryOf = (g: AbcGeneration, a: number): { mean: number; sd: number; q05: number; median: number; q95: number } => {
  const values = g.particles.map((p) => p[a])
  const mean = values.reduce((s, v, i) => s + g.weights[i] * v, 0)
  const sd = Math.sqrt(values.reduce((s, v, i) => s + g.weights[i] * (v - mean) ** 2, 0))
  const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j] || i - j)
  const quantile = (q: number) => {
    let acc = 0
    for (const i of order) {
      acc += g.weights[i]
      if (acc >= q - 1e-12) return values[i]
    }
    return values[order[order.length - 1]]
  }
  return { mean, sd, q05: quantile(0.05), median: quantile(0.5), q95: quantile(0.95) }
}

/** RunError for anything unexpected, InputError passed through: what the CLI maps to exit codes 1 and 2. */
export const asTyped = (e: unknown): InputError | RunError =>
  e instanceof InputError || e instanceof RunError ? e : new RunError({ message: `kiln calibrate: ${e instanceof Error ? e.message : String(e)}`, cause: e })
