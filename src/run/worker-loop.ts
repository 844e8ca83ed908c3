// The protocol between the worker pool and its threads (control slots, slices), and the loop a worker runs.
// Kept free of Effect and of the pool, so a worker thread starts by loading only the kernels.
import { parentPort, receiveMessageOnPort } from "node:worker_threads"
import { runPhase, type PhaseKind } from "../model/engine.js"
import { Kernel, type KernelData } from "../model/kernel.js"
import type { BoundRule, StateArray } from "../model/plugin.js"

/** Slots of the control array shared with the workers. */
export const Ctl = { generation: 0, kind: 1, lo: 2, hi: 3, done: 4, failed: 5, stop: 6, next: 7 } as const
export const CONTROL = 8
export const MESSAGE_BYTES = 4096
/** A phase that hands the workers a buffer posted to them (the per-agent metric values). */
export const ATTACH = -1
export const EMPTY = new Float64Array(0)

/** A plugin as a worker loads it: its module's URL, its options as written and its (shared) state arrays. */
export interface WorkerPlugin {
  readonly url: string
  readonly options: unknown
  readonly state: Readonly<Record<string, StateArray>>
}

export interface WorkerInit {
  readonly data: KernelData
  readonly plugins: ReadonlyArray<WorkerPlugin>
  readonly control: Int32Array
  readonly message: Uint8Array
  readonly index: number
  readonly threads: number
}

/** The contiguous slice of [lo, hi) that thread `t` of `threads` runs. */
export const slice = (lo: number, hi: number, t: number, threads: number): [number, number] => {
  const size = hi - lo
  return [lo + Math.floor((size * t) / threads), lo + Math.floor((size * (t + 1)) / threads)]
}

/**
 * The agents of a phase are handed out in chunks of this size from a shared counter (`Ctl.next`), each thread taking
 * the next chunk when it is done with one: a thread that is slowed (more neighbours, another process on its core)
 * takes fewer chunks instead of holding up the barrier. About 16 chunks per thread. Which thread updates an agent
 * does not change the result: an update reads only values fixed in its phase.
 */
export const chunkSize = (lo: number, hi: number, threads: number): number => Math.max(1, Math.ceil((hi - lo) / (16 * threads)))

/**
 * Blocks until the pool posts a generation other than `seen`, and returns it. A wake-up alone is not a new phase:
 * the pool bumps the generation and then notifies, so a worker that saw the bump, ran the phase and went back to
 * waiting before the notify arrived would otherwise be woken by that notify and run the same phase twice.
 */
export const nextGeneration = (control: Int32Array, seen: number): number => {
  for (;;) {
    const generation = Atomics.load(control, Ctl.generation)
    if (generation !== seen) return generation
    Atomics.wait(control, Ctl.generation, seen)
  }
}

/** The loop a worker thread runs: wait for a phase, run its slice, report, repeat until told to stop. */
export const serve = (init: WorkerInit, rules: ReadonlyArray<BoundRule> = []): void => {
  const { control: c, index, threads } = init
  const kernel = new Kernel(init.data)
  let perAgent: Float64Array = EMPTY
  // Generation 0 is "nothing yet": a phase posted before this thread got here is picked up at once.
  let generation = 0
  parentPort?.postMessage("ready")
  for (;;) {
    generation = nextGeneration(c, generation)
    if (Atomics.load(c, Ctl.stop) === 1) return
    try {
      const kind = c[Ctl.kind]
      if (kind === ATTACH) perAgent = receiveMessageOnPort(parentPort!)!.message as Float64Array
      else {
        const lo = c[Ctl.lo]
        const hi = c[Ctl.hi]
        const chunk = chunkSize(lo, hi, threads)
        for (let a = Atomics.add(c, Ctl.next, chunk); a < hi; a = Atomics.add(c, Ctl.next, chunk)) {
          runPhase(kernel, kind as PhaseKind, a, Math.min(hi, a + chunk), perAgent, rules)
        }
      }
    } catch (e) {
      init.message.set(new TextEncoder().encode(String((e as Error)?.stack ?? e)).subarray(0, MESSAGE_BYTES))
      Atomics.store(c, Ctl.failed, index)
    }
    Atomics.add(c, Ctl.done, 1)
    Atomics.notify(c, Ctl.done)
  }
}
