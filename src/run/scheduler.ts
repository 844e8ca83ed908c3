// The Scheduler service: how a world is stepped — on this thread, or on a pool of worker threads.
// Both give bit-identical results; the pool's workers live exactly as long as the enclosing Scope.
import { availableParallelism } from "node:os"
import { Context, Effect, Layer, type Scope } from "effect"
import { Engine, type Stepper } from "../model/engine.js"
import { MIN_SLICE, WorkerPool, type WorkerError } from "./worker-pool.js"
import type { World } from "../model/world.js"

/** How many threads can help `requested` threads step `agents` agents, and why fewer when capped. */
export interface ThreadPlan {
  readonly threads: number
  /** set when `threads` < requested */
  readonly capped?: string
}

/**
 * Threads beyond the machine's cores only contend, and a phase is split only when every thread gets
 * MIN_SLICE agents, so more threads than that would sit idle while holding memory.
 */
export const usefulThreads = (requested: number, agents = Infinity, cores = availableParallelism()): ThreadPlan => {
  const bySize = Math.max(1, Math.floor(agents / MIN_SLICE))
  const threads = Math.max(1, Math.min(requested, cores, bySize))
  if (threads >= requested) return { threads }
  const why = bySize < cores ? `${agents} agents: at least ${MIN_SLICE} per thread` : `this machine has ${cores} cores`
  return { threads, capped: `using ${threads} thread${threads === 1 ? "" : "s"} (${why})` }
}

export interface SchedulerShape {
  /** threads that step a world (1 = this thread only) */
  readonly threads: number
  /** a stepper for a world built with `shared` memory when threads > 1 */
  readonly stepper: (world: World) => Effect.Effect<Stepper, WorkerError, Scope.Scope>
}

export class Scheduler extends Context.Service<Scheduler, SchedulerShape>()("kiln/Scheduler") {
  /** Every phase on the calling thread. */
  static readonly inProcess: Layer.Layer<Scheduler> = Layer.succeed(Scheduler, {
    threads: 1,
    stepper: (world) => Effect.succeed(new Engine(world))
  })

  /**
   * `threads` threads: this one plus threads - 1 workers (default: the machine's available parallelism).
   * `minSlice`: the fewest agents per thread worth a barrier (smaller phases run on this thread).
   */
  static workerPool(threads = availableParallelism(), minSlice = MIN_SLICE): Layer.Layer<Scheduler> {
    return threads <= 1
      ? Scheduler.inProcess
      : Layer.succeed(Scheduler, { threads, stepper: (world) => WorkerPool.make(world, threads, minSlice) })
  }
}
