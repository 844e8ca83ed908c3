// Running a scenario: the Effect that steps a world and records metrics, and the Promise/rxjs faces of it.
import { Effect, Exit, Fiber } from "effect"
import { Observable } from "rxjs"
import { captureCheckpoint, writeCheckpoint } from "./checkpoint.js"
import { runLoop, type LoopPosition, type Pace } from "./loop.js"
import { Scheduler, usefulThreads } from "./scheduler.js"
import { buildGraph } from "./build-graph.js"
import type { SocialGraph } from "../model/graph/social-graph.js"
import type { MetricsTable } from "../model/metrics.js"
import type { Scenario } from "../scenario/schema.js"
import { makeWorld, type World } from "../model/world.js"
import { InputError } from "../errors.js"
import { MAX_SEED } from "../model/rng.js"
import { decodeStopRules } from "../experiment/load.js"
import type { StopRuleInput } from "./stop-rules.js"
import type { WorkerError } from "./worker-pool.js"
import type { LoadedPlugin } from "../model/plugin.js"
import { loadPlugins } from "./plugins.js"
import type { DrawPlan } from "../model/initial-state.js"

export interface SimulateOptions {
  /** overrides the scenario's seed, ticks and recordEvery */
  readonly seed?: number
  readonly ticks?: number
  readonly recordEvery?: number
  /** the scenario's file, to resolve graph files and name it in errors */
  readonly file?: string
  /** threads stepping the world (default 1: this thread; at most the machine's cores; results are identical for any number) */
  readonly workers?: number
  /** called after every tick (cheap: for progress bars) */
  readonly onTick?: (tick: number, ticks: number) => void
  /** called with each recorded metrics row */
  readonly onRecord?: (row: TickSummary) => void
  /** end the run early at the first record where a rule holds (an experiment's `stop` rules, checked like them) */
  readonly stop?: ReadonlyArray<StopRuleInput>
  /** at most `pace.rate` ticks per second (0: no limit), read before every tick so it can change while running */
  readonly pace?: Pace
  /**
   * plugins to add after the scenario's own `plugins`: `{ module, options }` with `module` a path (relative to
   * `file`, else to the working directory) or a file: URL — a module, since worker threads import plugins by URL
   */
  readonly plugins?: ReadonlyArray<{ readonly module: string; readonly options?: unknown }>
  /**
   * write a checkpoint every `every` ticks into `dir` (`checkpoint.kiln`, replaced each time; with `keep`, also
   * `checkpoints/tick-<t>.kiln`), from which `resumeRun`/`kiln resume` continue and `kiln fork` branches
   */
  readonly checkpoint?: { readonly every: number; readonly dir: string; readonly keep?: boolean }
}

/** One recorded tick: the metrics by name. */
export interface TickSummary {
  readonly tick: number
  readonly ticks: number
  readonly metrics: Readonly<Record<string, number>>
}

export interface SimulationResult {
  readonly scenario: Scenario
  readonly world: World
  readonly metrics: MetricsTable
  /** per-agent metric values of the last tick (see Kernel.measure) */
  readonly perAgent: Float64Array
  /** "ticks" (ran to the end), "crossing:<metric>" or "steady:<metric>" (a stop rule held) */
  readonly stopReason: string
}

/** Runs a world with the Scheduler in context; the stepper's workers end with the run. */
export const runWorld = (
  world: World, o: SimulateOptions = {}, from?: LoopPosition
): Effect.Effect<SimulationResult, WorkerError, Scheduler> =>
  Effect.scoped(
    Effect.gen(function* () {
      const stepper = yield* (yield* Scheduler).stepper(world)
      const cp = o.checkpoint
      const { metrics, stopReason } = yield* runLoop(stepper, {
        stop: o.stop && decodeStopRules(o.stop, o.file ?? "<options>"),
        pace: o.pace,
        onTick: o.onTick && ((w, tick) => o.onTick!(tick, w.scenario.ticks)),
        onRecord: o.onRecord && ((w, row) => o.onRecord!(summary(stepper.columns, row, w.scenario.ticks))),
        from,
        checkpoint: cp && { every: cp.every, save: (w, at) => writeCheckpoint(cp.dir, captureCheckpoint(w, at), cp.keep ?? false) }
      })
      return { scenario: world.scenario, world, metrics, perAgent: stepper.perAgent, stopReason }
    })
  )

/** Builds the world (in shared memory when the Scheduler has several threads) with its plugins, and runs it. */
export const runScenario = (s: Scenario, o: SimulateOptions = {}): Effect.Effect<SimulationResult, WorkerError | InputError, Scheduler> =>
  Effect.gen(function* () {
    const scheduler = yield* Scheduler
    const refs = [...(s.plugins ?? []), ...(o.plugins ?? [])]
    const plugins = refs.length === 0 ? [] : yield* Effect.tryPromise({
      try: () => loadPlugins(refs, o.file ?? "<scenario>"),
      catch: (e) => {
        if (e instanceof InputError) return e
        throw e
      }
    })
    return yield* runWorld(prepareWorld(s, o.file, undefined, scheduler.threads > 1, plugins), o)
  })

const schedulerFor = (o: SimulateOptions) => Scheduler.workerPool(usefulThreads(o.workers ?? 1).threads)

/** What is wrong with a run option's value (checked like the scenario's field), or undefined when it is fine. */
export const runOptionProblem = (name: "seed" | "ticks" | "recordEvery", value: number): string | undefined => {
  if (!Number.isInteger(value)) return `expected an integer, got ${value}`
  if (name === "seed" && (value < 0 || value > MAX_SEED)) return `expected an integer 0..${MAX_SEED}, got ${value}`
  if (name === "ticks" && value < 0) return `expected an integer >= 0, got ${value}`
  if (name === "recordEvery" && value < 1) return `expected an integer >= 1, got ${value}`
  return undefined
}

/** The scenario with the options' overrides applied; an impossible override is an InputError. */
export const resolveScenario = (s: Scenario, o: SimulateOptions = {}): Scenario => {
  for (const name of ["seed", "ticks", "recordEvery"] as const) {
    const value = o[name]
    const problem = value === undefined ? undefined : runOptionProblem(name, value)
    if (problem) throw new InputError({ file: o.file ?? "<options>", path: name, message: problem })
  }
  return { ...s, seed: o.seed ?? s.seed, ticks: o.ticks ?? s.ticks, recordEvery: o.recordEvery ?? s.recordEvery }
}

/** Builds the graph and the initial state (throws InputError on a bad graph file or reference). */
export const prepareWorld = (
  s: Scenario, file = "<scenario>", graph?: SocialGraph, shared = false, plugins: ReadonlyArray<LoadedPlugin> = [],
  draw?: (plan: DrawPlan) => void
): World => makeWorld(s, graph ?? buildGraph(s, file), file, shared, plugins, draw)

const summary = (columns: ReadonlyArray<string>, row: ReadonlyArray<number>, ticks: number): TickSummary => ({
  tick: row[0],
  ticks,
  metrics: Object.fromEntries(columns.map((c, i) => [c, row[i]]))
})

/** Runs a decoded scenario in this process and returns the metrics table and the final world. */
export const simulate = (scenario: Scenario, o: SimulateOptions = {}): Promise<SimulationResult> =>
  Effect.runPromise(Effect.suspend(() => runScenario(resolveScenario(scenario, o), o)).pipe(Effect.provide(schedulerFor(o))))

/**
 * The live stream of recorded ticks as an rxjs Observable: subscribing starts a run,
 * unsubscribing interrupts it; the last value is followed by completion.
 */
export const simulation$ = (scenario: Scenario, o: SimulateOptions = {}): Observable<TickSummary> =>
  new Observable<TickSummary>((subscriber) => {
    const fiber = Effect.runFork(
      Effect.suspend(() =>
        runScenario(resolveScenario(scenario, o), { ...o, onRecord: (r) => subscriber.next(r) })
      ).pipe(Effect.provide(schedulerFor(o)))
    )
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) subscriber.complete()
      else if (!Exit.hasInterrupts(exit)) subscriber.error(Exit.isFailure(exit) ? squash(exit) : exit)
    })
    return () => {
      Effect.runFork(Fiber.interrupt(fiber))
    }
  })

const squash = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isFailure(exit)) {
    for (const r of exit.cause.reasons) {
      if (r._tag === "Fail") return r.error
      if (r._tag === "Die") return r.defect
    }
  }
  return exit
}
