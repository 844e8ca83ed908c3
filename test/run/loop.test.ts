// The run loop: its recording schedule, stop rules, pacing, hooks and interruption, on the engine and on a scripted stepper.
import { Effect, Fiber } from "effect"
import { describe, expect, it } from "vitest"
import type { Stepper } from "../../src/model/engine.js"
import { isRecorded, runLoop, type LoopOptions } from "../../src/run/loop.js"
import type { World } from "../../src/model/world.js"
import { engineFor } from "../support/scenario.js"

/** A stepper whose metric `x` at tick t is `x(t)`; `work` ms of busy work per tick stands in for a kernel. */
const scripted = (ticks: number, recordEvery: number, x: (t: number) => number, work = 0): Stepper => {
  const world = { scenario: { ticks, recordEvery } } as unknown as World
  const stepper = {
    world,
    columns: ["tick", "x"],
    perAgent: new Float64Array(0),
    tick: 0,
    startAt(tick: number) {
      stepper.tick = tick
    },
    step() {
      const until = performance.now() + work
      while (performance.now() < until);
      stepper.tick++
    },
    measure: () => [stepper.tick, x(stepper.tick)]
  }
  return stepper
}

const run = (s: Stepper, o: LoopOptions = {}) => Effect.runPromise(runLoop(s, o))
const recordedTicks = (rows: ReadonlyArray<ReadonlyArray<number>>) => rows.map((r) => r[0])

describe("run loop", () => {
  it("records tick 0, every recordEvery-th tick and the last one, calling onTick after every tick and onRecord per row", async () => {
    const engine = engineFor({ ticks: 23, recordEvery: 5, graph: { kind: "erdosRenyi", n: 60, p: 0.1 }, beliefs: [{ name: "a" }, { name: "b" }] })
    const ticks: number[] = []
    const recorded: Array<ReadonlyArray<number>> = []
    const r = await run(engine, {
      onTick: (w, tick) => {
        expect(w).toBe(engine.world)
        ticks.push(tick)
      },
      onRecord: (w, row) => {
        expect(w).toBe(engine.world)
        recorded.push(row)
      }
    })
    expect(ticks).toEqual(Array.from({ length: 23 }, (_, k) => k + 1))
    expect(recordedTicks(r.metrics.rows)).toEqual([0, 5, 10, 15, 20, 23])
    expect(recorded).toEqual(r.metrics.rows)
    expect(r.metrics.columns).toEqual(engine.columns)
    expect(r).toMatchObject({ ticks: 23, stopReason: "ticks" })
    expect([0, 1, 4, 5, 22, 23].map((t) => isRecorded(t, 23, 5))).toEqual([true, false, false, true, false, true])
  })

  it("stops at the first record where a crossing holds, in the direction asked", async () => {
    const falling = (t: number) => 10 - t
    const down = await run(scripted(50, 2, falling), { stop: [{ kind: "crossing", metric: "x", threshold: 3, direction: "down" }] })
    expect(down).toMatchObject({ ticks: 8, stopReason: "crossing:x" })
    expect(recordedTicks(down.metrics.rows)).toEqual([0, 2, 4, 6, 8])
    const up = await run(scripted(50, 2, falling), { stop: [{ kind: "crossing", metric: "x", threshold: 3, direction: "up" }] })
    expect(up).toMatchObject({ ticks: 50, stopReason: "ticks" })
  })

  it("stops once a metric has stayed within the tolerance for K ticks", async () => {
    // x settles at 1 from tick 20 on: the window [20, 30] is the first steady one.
    const r = await run(scripted(100, 5, (t) => (t < 20 ? t : 1)), { stop: [{ kind: "steady", metric: "x", ticks: 10, tolerance: 0.01 }] })
    expect(r).toMatchObject({ ticks: 30, stopReason: "steady:x" })
  })

  it("a stop rule on a metric the run lacks is an error naming the metric", async () => {
    await expect(run(scripted(5, 1, () => 0), { stop: [{ kind: "steady", metric: "nope", ticks: 2, tolerance: 0 }] }))
      .rejects.toThrow(/stop rule metric "nope"/)
  })

  it("paces at the rate asked, and a change of rate applies while running", async () => {
    const t0 = Date.now()
    await run(scripted(10, 1, () => 0), { pace: { rate: 50 } })
    const paced = Date.now() - t0
    // 10 ticks at 50 per second: 200 ms (timers may fire late, never early).
    expect(paced).toBeGreaterThanOrEqual(180)
    expect(paced).toBeLessThan(2000)
    const pace = { rate: 2 }
    const t1 = Date.now()
    // At 2 ticks per second 40 ticks would take 20 s; lifting the limit at the second tick leaves one wait of 500 ms.
    await run(scripted(40, 1, () => 0), { pace, onTick: (_, tick) => { if (tick === 2) pace.rate = 0 } })
    const changed = Date.now() - t1
    expect(changed).toBeGreaterThanOrEqual(450)
    expect(changed).toBeLessThan(2500)
  })

  it("interruption stops the loop between ticks, paced or not", async () => {
    for (const o of [{ pace: { rate: 100 } }, {}]) {
      let ticks = 0
      const stepper = scripted(1_000_000, 10, () => 0, 1)
      const fiber = Effect.runFork(runLoop(stepper, { ...o, onTick: () => void ticks++ }))
      await new Promise((r) => setTimeout(r, 150))
      await Effect.runPromise(Fiber.interrupt(fiber))
      const atInterrupt = ticks
      expect(atInterrupt).toBeGreaterThan(0)
      expect(stepper.tick).toBe(atInterrupt)
      await new Promise((r) => setTimeout(r, 100))
      expect(ticks).toBe(atInterrupt)
    }
  })
})
