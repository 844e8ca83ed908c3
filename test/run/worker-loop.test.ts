// The worker's side of the pool protocol: a phase is taken only when the pool posts a new generation.
import { Worker } from "node:worker_threads"
import { describe, expect, it } from "vitest"
import { CONTROL, Ctl, nextGeneration, slice } from "../../src/run/worker-loop.js"

describe("nextGeneration", () => {
  it("ignores wake-ups that post nothing new and returns the next generation", async () => {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL * 4))
    // Another thread wakes the waiter three times without a new generation (as the pool's notify does after a
    // worker has already seen the bump), then posts generation 1.
    const other = new Worker(
      `const { workerData: c } = require("node:worker_threads")
       const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
       for (let k = 0; k < 3; k++) { sleep(30); Atomics.notify(c, ${Ctl.generation}) }
       sleep(30); Atomics.store(c, ${Ctl.generation}, 1); Atomics.notify(c, ${Ctl.generation})`,
      { eval: true, workerData: control }
    )
    const started = Date.now()
    expect(nextGeneration(control, 0)).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(100)
    await new Promise((resolve) => other.once("exit", resolve))
  })

  it("returns at once when a generation was posted before the worker got there", () => {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL * 4))
    control[Ctl.generation] = 7
    expect(nextGeneration(control, 6)).toBe(7)
  })
})

describe("slice", () => {
  it("cuts [lo, hi) into contiguous slices that cover it exactly, in thread order", () => {
    for (const [lo, hi] of [[0, 0], [0, 1], [3, 10], [5, 1000]]) {
      for (const threads of [1, 2, 3, 7]) {
        const parts = Array.from({ length: threads }, (_, t) => slice(lo, hi, t, threads))
        expect(parts[0][0]).toBe(lo)
        expect(parts[threads - 1][1]).toBe(hi)
        for (let t = 1; t < threads; t++) expect(parts[t][0]).toBe(parts[t - 1][1])
      }
    }
  })
})
