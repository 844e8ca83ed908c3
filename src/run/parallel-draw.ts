// Drawing a large world's initial state on several threads: a million agents draw 120 Gaussian couplings each,
// seconds of work on one thread. Each agent draws from its own stream, so any split gives the same bytes.
// World building is synchronous, so this thread draws its own share and then blocks until the others are done.
import { availableParallelism } from "node:os"
import { drawAgents, drawAll, type DrawPlan } from "../model/initial-state.js"
import { startWorker } from "./worker-thread.js"

/** Below this many agents starting threads costs more than it saves. */
export const PARALLEL_DRAW_MIN_AGENTS = 100_000

/** How long to wait for a drawing thread before giving up (a thread that failed to start never reports). */
const TIMEOUT_MS = 600_000

/**
 * A drawer for `makeWorld` using `threads` threads (this one included) when the world is large and its arrays are
 * shared; `minAgents` lowers the threshold for tests.
 */
export const drawerFor = (threads: number, minAgents = PARALLEL_DRAW_MIN_AGENTS) => (plan: DrawPlan): void => {
  const t = Math.min(threads, availableParallelism())
  const shared = plan.out.couplings.buffer instanceof SharedArrayBuffer
  if (t < 2 || plan.n < minAgents || !shared) return drawAll(plan)
  drawOnThreads(plan, t)
}

const drawOnThreads = (plan: DrawPlan, threads: number): void => {
  // done[0]: threads finished; done[1]: set by a thread that failed
  const done = new Int32Array(new SharedArrayBuffer(8))
  const cut = (k: number) => Math.floor((plan.n * k) / threads)
  // the shared arrays travel as views of the same memory; the small per-belief tables are copied
  const workers = Array.from({ length: threads - 1 }, (_, k) =>
    startWorker(import.meta.url, "draw-worker", { workerData: { plan, lo: cut(k + 1), hi: cut(k + 2), done } })
  )
  for (const w of workers) w.unref()
  drawAgents(plan, 0, cut(1))
  const deadline = Date.now() + TIMEOUT_MS
  for (;;) {
    const finished = Atomics.load(done, 0)
    if (Atomics.load(done, 1) !== 0) throw new Error("a thread drawing the initial state failed")
    if (finished === threads - 1) return
    if (Date.now() > deadline) throw new Error("the threads drawing the initial state did not finish")
    Atomics.wait(done, 0, finished, 1000)
  }
}
