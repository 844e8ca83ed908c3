// The sweep's worker pool: N worker threads, one whole run per worker at a time, a crashed worker replaced.
// With size 0 runs execute in this thread, one after the other. Each run may step on several threads of its own.
import type { Worker } from "node:worker_threads"
import { Effect, Queue, type Scope } from "effect"
import { startWorker } from "../run/worker-thread.js"
import { runJob, type RunJob, type RunOutcome } from "./run.js"

const spawn = Effect.acquireRelease(
  Effect.sync(() => startWorker(import.meta.url, "worker")),
  (w) => Effect.promise(() => w.terminate()).pipe(Effect.ignore)
)

const crashed = (job: RunJob, why: string, started: number): RunOutcome => ({
  runId: job.runId, status: "failed", error: `the worker running it died: ${why}`, columns: [], rows: new Float64Array(0), tables: [],
  ticks: 0, stopReason: "failed", started, finished: Date.now()
})

/** Sends one job to a worker; resolves with its outcome, or with a `failed` outcome if the worker dies. */
const runOn = (w: Worker, job: RunJob): Effect.Effect<{ outcome: RunOutcome; alive: boolean }> =>
  Effect.callback<{ outcome: RunOutcome; alive: boolean }>((resume) => {
    const started = Date.now()
    const cleanup = () => {
      w.off("message", onMessage)
      w.off("error", onError)
      w.off("exit", onExit)
    }
    const onMessage = (outcome: RunOutcome) => {
      cleanup()
      resume(Effect.succeed({ outcome, alive: true }))
    }
    const onError = (e: Error) => {
      cleanup()
      resume(Effect.succeed({ outcome: crashed(job, e.message, started), alive: false }))
    }
    const onExit = (code: number) => {
      cleanup()
      resume(Effect.succeed({ outcome: crashed(job, `exit code ${code}`, started), alive: false }))
    }
    w.on("message", onMessage)
    w.on("error", onError)
    w.on("exit", onExit)
    w.postMessage(job)
    return Effect.sync(cleanup)
  })

/**
 * Runs every job from `next` (undefined: no more) on `size` workers and hands each outcome to `onOutcome`
 * in completion order. Interrupting terminates the workers; runs in flight are lost, never half-kept.
 */
export const runPool = <E>(
  size: number,
  next: () => RunJob | undefined,
  onOutcome: (o: RunOutcome) => Effect.Effect<void, E>
): Effect.Effect<void, E> => {
  if (size <= 0) {
    return Effect.gen(function* () {
      for (let job = next(); job !== undefined; job = next()) {
        yield* onOutcome(yield* runJob(job))
        yield* Effect.yieldNow
      }
    })
  }
  const lane = Effect.scoped(
    Effect.gen(function* () {
      let worker = yield* spawn
      for (let job = next(); job !== undefined; job = next()) {
        const { outcome, alive } = yield* runOn(worker, job)
        if (!alive) worker = yield* spawn
        yield* onOutcome(outcome)
      }
    })
  )
  return Effect.forEach(Array.from({ length: size }), () => lane, { concurrency: "unbounded", discard: true })
}

/** Runs jobs pushed one by one (runPool pulls them from a list instead): what a cluster runner's entities share. */
export interface Lanes {
  /** waits for a free worker and runs the job there */
  readonly run: (job: RunJob) => Effect.Effect<RunOutcome>
}

/**
 * `size` worker threads for jobs that arrive one by one. A job waits for a free worker; a worker that dies, or whose
 * job is interrupted (it would go on stepping the abandoned run), is terminated and replaced.
 */
export const workerLanes = (size: number): Effect.Effect<Lanes, never, Scope.Scope> =>
  Effect.gen(function* () {
    const idle = yield* Queue.unbounded<Worker>()
    const live = new Set<Worker>()
    const start = Effect.sync(() => {
      const w = startWorker(import.meta.url, "worker")
      live.add(w)
      return w
    })
    const stop = (w: Worker) =>
      Effect.sync(() => live.delete(w)).pipe(Effect.andThen(Effect.promise(() => w.terminate())), Effect.ignore)
    yield* Effect.addFinalizer(() => Effect.forEach([...live], stop, { discard: true }))
    for (let k = 0; k < size; k++) yield* Queue.offer(idle, yield* start)
    const replace = (w: Worker) => stop(w).pipe(Effect.andThen(start), Effect.flatMap((fresh) => Queue.offer(idle, fresh)))
    const run = (job: RunJob) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const w = yield* restore(Queue.take(idle))
          const { outcome, alive } = yield* restore(runOn(w, job)).pipe(Effect.onInterrupt(() => replace(w)))
          yield* alive ? Queue.offer(idle, w) : replace(w)
          return outcome
        })
      )
    return { run }
  })
