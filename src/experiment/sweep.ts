// Sweeps: the runs of a design (or of one shard of it) not yet in the DB, executed on a worker pool and
// committed one by one; as an Effect for the CLI and as a Promise plus an rxjs Observable of progress for code.
import { availableParallelism } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Fiber, Semaphore } from "effect"
import { Observable, ReplaySubject } from "rxjs"
import { InputError, RunError } from "../errors.js"
import { expandDesign, shardRuns, type Design, type PlannedRun } from "./design.js"
import { loadExperimentWithPlugins, withRunCounts, type Experiment, type RunCounts } from "./load.js"
import { runPool } from "./pool.js"
import { ensureBurnIn } from "./fork.js"
import type { RunJob, RunOutcome } from "./run.js"
import { query, Store } from "./store.js"

export interface SweepOptions extends RunCounts {
  /** the DuckDB file (default experiments/<name>.duckdb; experiments/<name>.seed-<seed>.duckdb with another `seed`) */
  readonly db?: string
  /** worker threads (default: the number of cores); 0 runs everything in this thread */
  readonly workers?: number
  /** threads stepping each run (default 1); results are identical for any number */
  readonly threads?: number
  /** complete a DB that already holds runs of this experiment */
  readonly resume?: boolean
  /** run only the index-th (1-based) of count slices of the design */
  readonly shard?: { readonly index: number; readonly count: number }
  /** called after each committed run */
  readonly onProgress?: (p: SweepProgress) => void
}

export interface SweepProgress {
  /** runs of this sweep (this shard), including those already done before it started */
  readonly total: number
  /** runs already in the DB when the sweep started */
  readonly skipped: number
  /** runs finished by this sweep, failed ones included */
  readonly finished: number
  readonly failed: number
  readonly seconds: number
  /** runs finished per second of this sweep */
  readonly runsPerSecond: number
  /** the run just committed */
  readonly last?: { readonly runId: string; readonly status: "done" | "failed"; readonly error?: string }
}

export interface SweepSummary extends SweepProgress {
  readonly db: string
  readonly failures: ReadonlyArray<{ readonly runId: string; readonly error: string }>
}

/**
 * The default DB of an experiment: experiments/<name>.duckdb, or experiments/<name>.shard-<i>-of-<N>.duckdb for a
 * shard; a seed given instead of the file's adds `.seed-<seed>`, so another seed never meets the file's DB.
 */
export const defaultDb = (e: Experiment, shard?: SweepOptions["shard"]): string => {
  const seed = e.seedOverride === undefined ? "" : `.seed-${e.seedOverride}`
  return join("experiments", `${e.spec.name}${seed}${shard ? `.shard-${shard.index}-of-${shard.count}` : ""}.duckdb`)
}

/** The design with the options' seed and replicates (expanded again only when they change it). */
export const designWith = (design: Design, o: RunCounts, flags = false): Design => {
  const { seed, replicates } = design.experiment.spec
  const same = (o.seed === undefined || o.seed === seed) && (o.replicates === undefined || o.replicates === replicates)
  return same ? design : expandDesign(withRunCounts(design.experiment, o, flags))
}

const progressOf = (total: number, skipped: number, finished: number, failed: number, started: number, last?: SweepProgress["last"]): SweepProgress => {
  const seconds = (Date.now() - started) / 1000
  return { total, skipped, finished, failed, seconds, runsPerSecond: seconds > 0 ? finished / seconds : 0, ...(last ? { last } : {}) }
}

/**
 * The job of a planned run: its point's scenario with the run's seed, stepped on `threads` threads; in a fork design,
 * continuing the burn-in's checkpoint.
 */
export const jobOf = (design: Design, run: PlannedRun, threads = 1, burnIn?: string): RunJob => ({
  runId: run.runId,
  scenario: { ...design.points[run.point].scenario, seed: run.seed },
  file: design.experiment.baseFile,
  stop: design.experiment.spec.stop,
  threads,
  ...(design.experiment.spec.snapshots ? { snapshots: design.experiment.spec.snapshots.ticks } : {}),
  ...(burnIn ? { fork: { checkpoint: burnIn } } : {})
})

/**
 * Runs the missing runs of `design` into the DB. Fails with InputError (nothing written) when the DB holds another
 * experiment, or holds runs and `resume` is not set; failed runs are recorded and counted, not raised.
 */
export const runSweep = (given: Design, o: SweepOptions = {}): Effect.Effect<SweepSummary, InputError | RunError> =>
  Effect.gen(function* () {
    const design = yield* Effect.try({ try: () => designWith(given, o), catch: asTyped(given.experiment.file) })
    const db = o.db ?? defaultDb(design.experiment, o.shard)
    const workers = o.workers ?? availableParallelism()
    const store = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => Store.open(db, design, o.resume ?? false), catch: asTyped(db) }),
      (s) => Effect.sync(() => s.close())
    )
    const planned = shardRuns(design.runs, o.shard)
    const done = yield* Effect.tryPromise({ try: () => store.doneRuns(), catch: asTyped(db) })
    const todo = planned.filter((r) => !done.has(r.runId))
    const byId = new Map(todo.map((r) => [r.runId, r]))
    const skipped = planned.length - todo.length
    const started = Date.now()
    let finished = 0
    const failures: Array<{ runId: string; error: string }> = []
    o.onProgress?.(progressOf(planned.length, skipped, 0, 0, started))
    const burnIn = todo.length === 0 ? undefined : yield* Effect.tryPromise({ try: () => ensureBurnIn(design, db), catch: asTyped(design.experiment.file) })
    let k = 0
    const next = () => (k < todo.length ? jobOf(design, todo[k++], o.threads, burnIn) : undefined)
    // Short runs are committed in batches: each commit waits for the disk, which would otherwise cost them more than
    // their stepping. A run that took COMMIT_MS or longer is committed as it ends, with the batch before it; a batch
    // of short runs when it holds batchRuns runs or, at the next run's end, its first run ended COMMIT_MS ago. An
    // interrupted sweep loses at most the batch, which `--resume` runs again.
    const writer = yield* Semaphore.make(1)
    const pending: RunOutcome[] = []
    // at least eight commits per sweep, so progress and `--resume` keep a fine grain on small sweeps
    const batchRuns = Math.min(COMMIT_RUNS, Math.max(1, Math.ceil(todo.length / 8)))
    let oldest = 0
    const flush = Effect.gen(function* () {
      const batch = pending.splice(0)
      if (batch.length === 0) return
      yield* Effect.tryPromise({
        try: () => store.commitMany(batch.map((outcome) => {
          const run = byId.get(outcome.runId)!
          return { run, point: design.points[run.point], outcome }
        })),
        catch: (cause) => new RunError({
          message: `kiln: could not write ${batch.length === 1 ? `run ${batch[0].runId}` : `${batch.length} runs (${batch[0].runId} first)`} to ${db}: ${String(cause)}`,
          cause
        })
      })
      for (const outcome of batch) {
        finished++
        if (outcome.status === "failed") failures.push({ runId: outcome.runId, error: outcome.error ?? "" })
        o.onProgress?.(progressOf(planned.length, skipped, finished, failures.length, started, {
          runId: outcome.runId, status: outcome.status, ...(outcome.error ? { error: outcome.error } : {})
        }))
      }
    }).pipe(Semaphore.withPermit(writer))
    const commit = (outcome: RunOutcome) =>
      Effect.suspend(() => {
        if (pending.length === 0) oldest = Date.now()
        pending.push(outcome)
        const due = pending.length >= batchRuns || Date.now() - oldest >= COMMIT_MS || outcome.finished - outcome.started >= COMMIT_MS
        return due ? flush : Effect.void
      })
    yield* runPool(Math.min(workers, todo.length), next, commit)
    yield* flush
    return { ...progressOf(planned.length, skipped, finished, failures.length, started), db, failures }
  }).pipe(Effect.scoped)

/** Batches of short runs: at most this many runs, and runs shorter than this many milliseconds. */
const COMMIT_RUNS = 256
const COMMIT_MS = 500

const asTyped = (db: string) => (e: unknown): InputError | RunError =>
  e instanceof InputError || e instanceof RunError ? e : new RunError({ message: `kiln: ${db}: ${String(e)}`, cause: e })

/** What `sweep` resolves to: the summary and a way to query the tables. */
export interface SweepResult extends SweepSummary {
  /** runs SQL on the results DB (read-only), e.g. `SELECT * FROM final JOIN runs USING (run_id)` */
  readonly query: (sql: string) => Promise<Array<Record<string, unknown>>>
  /** the three tables as rows, ordered by run (and tick) */
  readonly tables: () => Promise<{ runs: Array<Record<string, unknown>>; metrics: Array<Record<string, unknown>>; final: Array<Record<string, unknown>> }>
}

export interface SweepHandle {
  /** progress after each committed run (replays the latest to late subscribers); completes when the sweep ends */
  readonly progress: Observable<SweepProgress>
  readonly result: Promise<SweepResult>
  /** stops the sweep: workers are terminated, committed runs stay, runs in flight are dropped */
  readonly cancel: () => void
}

/**
 * Runs an experiment (a loaded one, or a file to load) from code:
 * `const s = sweep("scenarios/experiments/cooling.json", { workers: 2 }); s.progress.subscribe(…); await s.result`.
 */
export const sweep = (experiment: Experiment | string, o: Omit<SweepOptions, "onProgress"> = {}): SweepHandle => {
  const subject = new ReplaySubject<SweepProgress>(1)
  const program = Effect.gen(function* () {
    const loaded = typeof experiment === "string"
      ? yield* Effect.tryPromise({ try: () => loadExperimentWithPlugins(experiment), catch: (e) => e as InputError })
      : experiment
    return yield* runSweep(expandDesign(withRunCounts(loaded, o, false)), { ...o, onProgress: (p) => subject.next(p) })
  })
  const fiber = Effect.runFork(program)
  const result = new Promise<SweepResult>((resolve, reject) => {
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) {
        subject.complete()
        const db = exit.value.db
        resolve({
          ...exit.value,
          query: (sql) => query(db, sql),
          tables: async () => ({
            runs: await query(db, "SELECT * FROM runs ORDER BY run_id"),
            metrics: await query(db, "SELECT * FROM metrics ORDER BY run_id, tick"),
            final: await query(db, "SELECT * FROM final ORDER BY run_id")
          })
        })
      } else {
        const error = firstError(exit)
        subject.error(error)
        reject(error)
      }
    })
  })
  result.catch(() => undefined)
  return { progress: subject.asObservable(), result, cancel: () => void Effect.runFork(Fiber.interrupt(fiber)) }
}

const firstError = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isFailure(exit)) {
    for (const r of exit.cause.reasons) {
      if (r._tag === "Fail") return r.error
      if (r._tag === "Die") return r.defect
    }
    return new RunError({ message: "kiln: the sweep was interrupted" })
  }
  return undefined
}
