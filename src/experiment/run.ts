// One run of a sweep, start to end: build the world, step it through the run loop with the experiment's stop
// rules, and hand back the recorded rows. The same Effect runs in a sweep worker thread or in this thread.
import { Effect } from "effect"
import { formatInputError, InputError } from "../errors.js"
import { buildGraph } from "../run/build-graph.js"
import { runLoop } from "../run/loop.js"
import type { Scenario } from "../scenario/schema.js"
import { Scheduler, usefulThreads } from "../run/scheduler.js"
import { prepareWorld } from "../run/simulation.js"
import type { LoadedPlugin } from "../model/plugin.js"
import { loadPlugins } from "../run/plugins.js"
import type { StopRuleT } from "./schema.js"
import { worldTables } from "../model/evolution/index.js"
import type { RunTable } from "../model/evolution/process.js"
import { snapshotRecorder } from "./snapshots.js"
import type { World } from "../model/world.js"
import type { LoopPosition } from "../run/loop.js"
import { readCheckpoint } from "../run/checkpoint.js"
import { worldFromCheckpoint } from "../run/resume.js"

export interface RunJob {
  readonly runId: string
  /** the point's scenario with this run's seed, ticks and recordEvery */
  readonly scenario: Scenario
  /** the scenario's file: graph files resolve against it */
  readonly file: string
  readonly stop: ReadonlyArray<StopRuleT>
  /** threads stepping this run (1: the thread that runs the job); results are identical for any number */
  readonly threads: number
  /** recorded ticks ("final": the last record) at which every agent's state goes to the `snapshots` table */
  readonly snapshots?: ReadonlyArray<number | "final">
  /** a fork design's run: continue the burn-in's checkpoint (a file every runner can read) with this scenario */
  readonly fork?: { readonly checkpoint: string }
}

export interface RunOutcome {
  readonly runId: string
  readonly status: "done" | "failed"
  readonly error?: string
  readonly columns: ReadonlyArray<string>
  /** the recorded rows, row-major: rows.length = columns.length × number of records */
  readonly rows: Float64Array
  /** the last tick stepped */
  readonly ticks: number
  /** "ticks" (ran to the end), "crossing:<metric>" or "steady:<metric>" */
  readonly stopReason: string
  /** the tables of the run's evolutionary processes (lineages, variants, …); none without them */
  readonly tables: ReadonlyArray<RunTable>
  /** epoch milliseconds */
  readonly started: number
  readonly finished: number
}

const describeError = (e: unknown): string =>
  e instanceof InputError ? formatInputError(e) : e instanceof Error ? e.message : String(e)

/** The plugins the job's scenario names, imported on this thread (a sweep's worker imports them by module URL). */
const jobPlugins = (job: RunJob): Effect.Effect<LoadedPlugin[], unknown> => {
  const refs = job.scenario.plugins ?? []
  return refs.length === 0 ? Effect.succeed([]) : Effect.tryPromise({ try: () => loadPlugins(refs, job.file), catch: (e) => e })
}

/** The job's world: built from its scenario, or for a fork design's run from the burn-in's checkpoint. */
const jobWorld = (job: RunJob): Effect.Effect<{ world: World; threads: number; from?: LoopPosition }, unknown> =>
  Effect.gen(function* () {
    if (job.fork) {
      const path = job.fork.checkpoint
      const c = readCheckpoint(path)
      const threads = usefulThreads(job.threads, c.groupOf.length).threads
      const world = yield* Effect.tryPromise({
        try: () => worldFromCheckpoint(c, { path, scenario: job.scenario, seed: job.scenario.seed, shared: threads > 1 }),
        catch: (e) => e
      })
      return { world, threads, from: c }
    }
    const plugins = yield* jobPlugins(job)
    const graph = buildGraph(job.scenario, job.file)
    const threads = usefulThreads(job.threads, graph.n).threads
    return { world: prepareWorld(job.scenario, job.file, graph, threads > 1, plugins), threads }
  })

/** Steps one job on its threads (at most one per 512 agents, as `kiln run` does) and flattens its rows. */
const execute = (job: RunJob, started: number): Effect.Effect<RunOutcome, unknown> =>
  Effect.gen(function* () {
    const { world, threads, from } = yield* jobWorld(job)
    return yield* Effect.gen(function* () {
      const stepper = yield* (yield* Scheduler).stepper(world)
      const snapshots = job.snapshots && snapshotRecorder(job.snapshots)
      const onRecord = snapshots && ((w: typeof world, row: ReadonlyArray<number>) => snapshots.record(w, stepper.perAgent, row[0]))
      const { metrics, ticks, stopReason } = yield* runLoop(stepper, { stop: job.stop, ...(onRecord ? { onRecord } : {}), ...(from ? { from } : {}) })
      const rows = Float64Array.from(metrics.rows.flat())
      const tables = snapshots ? [...worldTables(world), snapshots.table(world, stepper.perAgent)] : worldTables(world)
      return {
        runId: job.runId, status: "done", columns: metrics.columns, rows, ticks, stopReason, tables, started, finished: Date.now()
      } as const
    }).pipe(Effect.scoped, Effect.provide(Scheduler.workerPool(threads)))
  })

/** Runs one job to its end or its stop rule; an error becomes a `failed` outcome, never a failure of the Effect. */
export const runJob = (job: RunJob): Effect.Effect<RunOutcome> =>
  Effect.suspend(() => {
    const started = Date.now()
    const failed = (e: unknown): Effect.Effect<RunOutcome> =>
      Effect.succeed({
        runId: job.runId, status: "failed", error: describeError(e), columns: [], rows: new Float64Array(0), tables: [],
        ticks: 0, stopReason: "failed", started, finished: Date.now()
      })
    return execute(job, started).pipe(Effect.catch(failed), Effect.catchDefect(failed))
  })
