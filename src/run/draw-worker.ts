// A thread drawing a range of agents' initial state (src/run/parallel-draw.ts), then saying so on the shared counter.
import { workerData } from "node:worker_threads"
import { drawAgents, type DrawPlan } from "../model/initial-state.js"

const { plan, lo, hi, done } = workerData as { plan: DrawPlan; lo: number; hi: number; done: Int32Array }
try {
  drawAgents(plan, lo, hi)
  Atomics.add(done, 0, 1)
} catch {
  Atomics.store(done, 1, 1)
}
Atomics.notify(done, 0)
