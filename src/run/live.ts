// The live event stream of a run: recorded ticks go to a sliding PubSub that keeps only the newest summary,
// so a slow consumer never holds the simulation back; it sees the latest state and how many ticks it skipped.
import { Effect, Exit, Fiber, PubSub } from "effect"
import { Observable } from "rxjs"
import { Scheduler, usefulThreads } from "./scheduler.js"
import type { Scenario } from "../scenario/schema.js"
import { resolveScenario, runScenario, type SimulateOptions, type TickSummary } from "./simulation.js"

/** A recorded tick as a live consumer sees it: `skipped` recorded ticks were published since its last one. */
export interface LiveTick extends TickSummary {
  readonly skipped: number
}

/**
 * Runs the scenario and streams its latest recorded tick to `consume` (an Effect, so it may be slow or
 * asynchronous). The run never waits for the consumer; the stream ends with the run.
 */
export const runLive = <E, R>(
  scenario: Scenario,
  consume: (tick: LiveTick) => Effect.Effect<void, E, R>,
  o: SimulateOptions = {}
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const latest = yield* PubSub.sliding<Published>(1)
      const subscription = yield* PubSub.subscribe(latest)
      const consumer = yield* Effect.forkChild(
        Effect.gen(function* () {
          let last = -1
          // The last recorded tick is always the run's final tick: the stream ends once it is delivered.
          for (;;) {
            const next = yield* PubSub.take(subscription)
            yield* consume({ ...next.summary, skipped: next.seq - last - 1 })
            last = next.seq
            if (next.summary.tick === next.summary.ticks) return
          }
        })
      )
      let seq = 0
      const result = yield* runScenario(resolveScenario(scenario, o), {
        ...o,
        onRecord: (summary) => {
          // Sliding: publishing never waits; it replaces an undelivered older tick.
          Effect.runSync(PubSub.publish(latest, { seq: seq++, summary }))
          o.onRecord?.(summary)
        }
      })
      yield* Fiber.join(consumer)
      return result
    })
  )

interface Published {
  readonly seq: number
  readonly summary: TickSummary
}

/** `runLive` as an rxjs Observable: subscribing starts the run, unsubscribing interrupts it. */
export const live$ = (scenario: Scenario, o: SimulateOptions = {}): Observable<LiveTick> =>
  new Observable<LiveTick>((subscriber) => {
    const fiber = Effect.runFork(
      runLive(scenario, (t) => Effect.sync(() => subscriber.next(t)), o).pipe(
        Effect.provide(Scheduler.workerPool(usefulThreads(o.workers ?? 1).threads))
      )
    )
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) subscriber.complete()
      else if (!Exit.hasInterrupts(exit)) subscriber.error(exit.cause)
    })
    return () => {
      Effect.runFork(Fiber.interrupt(fiber))
    }
  })
