// Running a scenario: the Effect that steps a world and records metrics, and the Promise/rxjs faces of it.
import { Effect, Exit, Fiber } from "effect"
import { Observable } from "rxjs"
import { Engine } from "./engine.js"
import { buildGraph } from "./graph/build.js"
import type { SocialGraph } from "./graph/social-graph.js"
import type { MetricsTable } from "./metrics.js"
import type { Scenario } from "./scenario/schema.js"
import { makeWorld, type World } from "./world.js"

export interface SimulateOptions {
  /** overrides the scenario's seed, ticks and recordEvery */
  readonly seed?: number
  readonly ticks?: number
  readonly recordEvery?: number
  /** the scenario's file, to resolve graph files and name it in errors */
  readonly file?: string
  /** called after every tick (cheap: for progress bars) */
  readonly onTick?: (tick: number, ticks: number) => void
  /** called with each recorded metrics row */
  readonly onRecord?: (row: TickSummary) => void
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
}

/** The scenario with the options' overrides applied. */
export const resolveScenario = (s: Scenario, o: SimulateOptions = {}): Scenario => ({
  ...s,
  seed: o.seed ?? s.seed,
  ticks: o.ticks ?? s.ticks,
  recordEvery: o.recordEvery ?? s.recordEvery
})

/** Builds the graph and the initial state (throws InputError on a bad graph file or reference). */
export const prepareWorld = (s: Scenario, file = "<scenario>", graph?: SocialGraph, shared = false): World =>
  makeWorld(s, graph ?? buildGraph(s, file), file, shared)

/** Lets timers and I/O run between ticks, so progress bars, servers and interrupts stay live. */
const breathe = Effect.callback<void>((resume) => {
  const h = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(h))
})

/** Steps `engine` to `ticks`, recording tick 0, every `recordEvery`-th tick and the last one. Interruptible between ticks. */
export const runEngine = (engine: Engine, o: SimulateOptions = {}): Effect.Effect<MetricsTable> =>
  Effect.gen(function* () {
    const s = engine.world.scenario
    const rows: Array<ReadonlyArray<number>> = []
    const record = () => {
      const row = engine.measure()
      rows.push(row)
      o.onRecord?.(summary(engine.columns, row, s.ticks))
    }
    record()
    let last = Date.now()
    while (engine.tick < s.ticks) {
      engine.step()
      o.onTick?.(engine.tick, s.ticks)
      if (engine.tick % s.recordEvery === 0 || engine.tick === s.ticks) record()
      if (Date.now() - last > 20) {
        yield* breathe
        last = Date.now()
      }
    }
    return { columns: engine.columns, rows }
  })

const summary = (columns: ReadonlyArray<string>, row: ReadonlyArray<number>, ticks: number): TickSummary => ({
  tick: row[0],
  ticks,
  metrics: Object.fromEntries(columns.map((c, i) => [c, row[i]]))
})

/** Runs a decoded scenario in this process and returns the metrics table and the final world. */
export const simulate = async (scenario: Scenario, o: SimulateOptions = {}): Promise<SimulationResult> => {
  const s = resolveScenario(scenario, o)
  const world = prepareWorld(s, o.file)
  const metrics = await Effect.runPromise(runEngine(new Engine(world), o))
  return { scenario: s, world, metrics }
}

/**
 * The live stream of recorded ticks as an rxjs Observable: subscribing starts a run,
 * unsubscribing interrupts it; the last value is followed by completion.
 */
export const simulation$ = (scenario: Scenario, o: SimulateOptions = {}): Observable<TickSummary> =>
  new Observable<TickSummary>((subscriber) => {
    const fiber = Effect.runFork(
      Effect.suspend(() => {
        const world = prepareWorld(resolveScenario(scenario, o), o.file)
        return runEngine(new Engine(world), { ...o, onRecord: (r) => subscriber.next(r) })
      })
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
