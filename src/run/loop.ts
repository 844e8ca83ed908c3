// The run loop: every run of a world — `kiln run`, simulate and the streams, sweeps, live mode, the tests — steps
// through `runLoop`, which owns the recording schedule, stop rules, pacing and the hooks, written once.
import { Effect } from "effect"
import type { Stepper } from "../model/engine.js"
import type { MetricsTable } from "../model/metrics.js"
import { StopRules, type StopRule } from "./stop-rules.js"
import { WorkerError } from "./worker-pool.js"
import type { World } from "../model/world.js"

/** A pace in ticks per second (0: as fast as the machine goes), read before every tick so it can change mid-run. */
export interface Pace {
  readonly rate: number
}

export interface LoopOptions {
  /** end the run at the first record where a rule holds */
  readonly stop?: ReadonlyArray<StopRule>
  /** at most `rate` ticks per second, for watching a run live */
  readonly pace?: Pace
  /** after every tick (cheap work only: it runs on the hot path) */
  readonly onTick?: (world: World, tick: number) => void
  /** with every recorded metrics row; the stepper's perAgent holds that tick's per-agent values */
  readonly onRecord?: (world: World, row: ReadonlyArray<number>) => void
  /** continue a run from a checkpoint's position instead of tick 0 (the world already holds its state) */
  readonly from?: LoopPosition
  /** stop stepping after this tick (a burn-in), recording as the full run would */
  readonly until?: number
  /** after every `every`-th tick before the last, hand the position to `save` (src/run/checkpoint.ts) */
  readonly checkpoint?: { readonly every: number; readonly save: (world: World, at: LoopPosition) => void }
}

/** Where a run stands between ticks: ticks run, the rows recorded and what the stop rules have seen. */
export interface LoopPosition {
  readonly tick: number
  readonly rows: ReadonlyArray<ReadonlyArray<number>>
  readonly stop: ReturnType<StopRules["save"]>
}

export interface LoopResult {
  readonly metrics: MetricsTable
  /** the last tick stepped */
  readonly ticks: number
  /** "ticks" (ran to the end), "crossing:<metric>" or "steady:<metric>" */
  readonly stopReason: string
}

/** Where and why a stop rule ended a run early (for its manifest), or undefined when it ran to its last tick. */
export const stoppedEarly = (r: Pick<LoopResult, "metrics" | "stopReason">): { tick: number; reason: string } | undefined =>
  r.stopReason === "ticks" ? undefined : { tick: r.metrics.rows[r.metrics.rows.length - 1][0], reason: r.stopReason }

/** How long timers and I/O may wait for the loop: progress bars, servers and interrupts stay live. */
const BREATHE_MS = 20

/** Lets timers and I/O run between ticks (a macrotask, unlike a fiber yield, so sockets are served too). */
const breathe = Effect.callback<void>((resume) => {
  const h = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(h))
})

/** Awaits a stepper's asynchronous result (the worker pool's). */
const settle = <A>(value: Promise<A>): Effect.Effect<A, WorkerError> =>
  Effect.tryPromise({ try: () => value, catch: (e) => (e instanceof WorkerError ? e : new WorkerError({ message: String(e), cause: e })) })

/** Whether `tick` is recorded: tick 0, every recordEvery-th tick and the last one. */
export const isRecorded = (tick: number, ticks: number, recordEvery: number): boolean =>
  tick === 0 || tick % recordEvery === 0 || tick === ticks

/**
 * Steps the world to its scenario's last tick (or a stop rule), recording on the schedule of `isRecorded`.
 * Interruptible between ticks: the loop yields to timers and I/O at least every BREATHE_MS, and while paced.
 */
export const runLoop = (stepper: Stepper, o: LoopOptions = {}): Effect.Effect<LoopResult, WorkerError> =>
  Effect.gen(function* () {
    const world = stepper.world
    const { ticks, recordEvery } = world.scenario
    const stop = new StopRules(o.stop ?? [], stepper.columns)
    const rows: Array<ReadonlyArray<number>> = [...(o.from?.rows ?? [])]
    const record = (row: ReadonlyArray<number>): string | undefined => {
      rows.push(row)
      o.onRecord?.(world, row)
      return stop.check(row)
    }
    if (o.from) {
      stepper.startAt(o.from.tick)
      stop.load(o.from.stop)
    } else {
      // A synchronous stepper (the Engine) is called directly: no Effect per tick on the hot path.
      const measured = stepper.measure()
      record(measured instanceof Promise ? yield* settle(measured) : measured)
    }
    let stopReason = "ticks"
    let last = Date.now()
    const end = Math.min(ticks, o.until ?? ticks)
    while (stepper.tick < end) {
      const started = Date.now()
      const stepped = stepper.step()
      if (stepped instanceof Promise) yield* settle(stepped)
      o.onTick?.(world, stepper.tick)
      if (isRecorded(stepper.tick, ticks, recordEvery)) {
        const row = stepper.measure()
        const reason = record(row instanceof Promise ? yield* settle(row) : row)
        if (reason !== undefined) {
          stopReason = reason
          break
        }
      }
      if (o.checkpoint && stepper.tick % o.checkpoint.every === 0 && stepper.tick < ticks) {
        o.checkpoint.save(world, { tick: stepper.tick, rows, stop: stop.save() })
      }
      const rate = o.pace?.rate ?? 0
      const wait = rate > 0 ? 1000 / rate - (Date.now() - started) : 0
      if (wait > 0) {
        yield* Effect.sleep(wait)
        last = Date.now()
      } else if (Date.now() - last > BREATHE_MS) {
        yield* breathe
        last = Date.now()
      }
    }
    return { metrics: { columns: stepper.columns, rows }, ticks: stepper.tick, stopReason }
  })
