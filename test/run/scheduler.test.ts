// One spec, every scheduler: in-process and worker pools of 2, 3 and 4 threads give bit-identical runs.
import { Effect, Exit, Fiber } from "effect"
import { describe, expect, it, vi } from "vitest"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runScenario, runWorld } from "../../src/run/simulation.js"
import { loadScenario } from "../../src/scenario/load.js"
import { WorkerError, WorkerPool } from "../../src/run/worker-pool.js"
import { scenario } from "../support/scenario.js"
import { join } from "node:path"
import { readdirSync } from "node:fs"
import type { Worker } from "node:worker_threads"

/** The operating system's threads of this process: worker threads are real threads. */
const osThreads = () => readdirSync("/proc/self/task").length

/** Every worker thread the pool starts, so a test can kill one as a crash would. */
const startedWorkers: Worker[] = []
vi.mock("../../src/run/worker-thread.js", async (actual) => {
  const real = await actual<typeof import("../../src/run/worker-thread.js")>()
  return {
    startWorker: (...args: Parameters<typeof real.startWorker>) => {
      const worker = real.startWorker(...args)
      startedWorkers.push(worker)
      return worker
    }
  }
})

const rich = scenario({
  name: "rich",
  seed: 11,
  ticks: 25,
  recordEvery: 5,
  graph: { kind: "connectedCaveman", caves: 30, size: 10, rewire: 0.05, groups: ["blue", "red"] },
  beliefs: [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }, { name: "fact", kind: "factual", truth: 1 }],
  groups: [{ name: "blue", content: { a: 1 } }, { name: "red", content: { b: 1 } }],
  prior: { sd: 0.4, noise: 0.2 },
  memes: [
    { name: "hot", content: { a: 1, c: 1 }, intensity: 1.5, transmissibility: 0.3 },
    { name: "cold", content: { a: -1, c: -1 }, intensity: 0, transmissibility: 0.3 }
  ],
  interventions: [
    { kind: "seedMeme", meme: "hot", target: { fraction: 0.05 }, start: 2 },
    { kind: "seedMeme", meme: "cold", target: { fraction: 0.05 }, start: 2 },
    { kind: "ritual", target: { group: "blue" }, group: "blue", every: 5, content: { a: 1, d: 1 }, attendance: 0.7 },
    { kind: "psychedelic", target: { fraction: 0.3 }, start: 8, duration: 6, volatility: 0.6, complexityBias: 0.4 },
    { kind: "sleep", target: { group: "red" }, duration: 25, cycle: 6, nrem: 1, rem: 1 }
  ]
})
const defaultScenario = loadScenario(join(import.meta.dirname, "../../scenarios/default.json"))

/** The run's metrics and final state as bytes, for exact comparison. */
const fingerprint = (threads: number, s = rich, ticks?: number) =>
  Effect.runPromise(
    runScenario({ ...s, ticks: ticks ?? s.ticks }).pipe(Effect.provide(Scheduler.workerPool(threads, 1)))
  ).then((r) => ({
    metrics: JSON.stringify(r.metrics.rows),
    spins: Buffer.from(r.world.state.spins.buffer).toString("base64"),
    couplings: Buffer.from(r.world.state.couplings.buffer).toString("base64"),
    energy: Buffer.from(r.world.state.energy.buffer).toString("base64")
  }))

describe("determinism across schedulers", () => {
  it("memes, rituals, sleep and psychedelic volatility: identical for 1, 2, 3 and 4 threads", async () => {
    const reference = await fingerprint(1)
    for (const threads of [2, 3, 4]) expect(await fingerprint(threads)).toEqual(reference)
  })

  it("the default scenario: identical for 1 and 2 threads", async () => {
    expect(await fingerprint(2, defaultScenario, 12)).toEqual(await fingerprint(1, defaultScenario, 12))
  })
})

describe("worker failures", () => {
  it("a worker that dies fails the run with a typed error naming the worker and tick", async () => {
    const world = prepareWorld({ ...rich, ticks: 100000 }, undefined, undefined, true)
    startedWorkers.length = 0
    const program = Effect.scoped(
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make(world, 3, 1)
        yield* Effect.promise(async () => {
          await pool.step()
          await startedWorkers[1].terminate()
        })
        for (;;) yield* Effect.tryPromise({ try: () => pool.step(), catch: (e) => e as WorkerError })
      })
    )
    const exit = await Effect.runPromiseExit(program)
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    expect(error && "error" in error ? error.error : undefined).toBeInstanceOf(WorkerError)
    expect(String((error as { error: WorkerError }).error.message)).toMatch(/worker 2 exited with code \d+ at tick \d+/)
  })

  it("interrupting a run leaves no thread behind", async () => {
    const before = osThreads()
    let during = 0
    let reached: () => void = () => {}
    const atTick3 = new Promise<void>((resolve) => (reached = resolve))
    const fiber = Effect.runFork(
      runWorld(prepareWorld({ ...rich, ticks: 1_000_000 }, undefined, undefined, true), {
        onTick: (tick) => {
          if (tick !== 3) return
          during = osThreads()
          reached()
        }
      }).pipe(Effect.provide(Scheduler.workerPool(3, 1)))
    )
    await atTick3
    await Effect.runPromise(Fiber.interrupt(fiber))
    const exit = await Effect.runPromise(Fiber.await(fiber))
    expect(Exit.hasInterrupts(exit)).toBe(true)
    // The two workers were running (V8 may add helper threads of its own, never fewer)...
    expect(during).toBeGreaterThanOrEqual(before + 2)
    // ...and are gone once the run's scope has closed (a terminated thread takes a moment to be reaped).
    const deadline = Date.now() + 5000
    while (osThreads() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(osThreads()).toBeLessThanOrEqual(before)
  })
})
