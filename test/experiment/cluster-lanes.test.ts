// A cluster runner's worker lanes: a run interrupted on a worker (its shard moved, the runner stopping) does not leave
// that worker stepping it for the next run, whose outcome is its own.
import { Effect, Fiber } from "effect"
import { describe, expect, it } from "vitest"
import { expandDesign } from "../../src/experiment/design.js"
import { loadExperiment } from "../../src/experiment/load.js"
import { workerLanes } from "../../src/experiment/pool.js"
import { jobOf } from "../../src/experiment/sweep.js"
import { baseScenario, smallExperiment, tempDir, writeJson } from "./support.js"

describe("workerLanes", () => {
  it("replaces the worker of an interrupted run; the next run's outcome is its own", async () => {
    // runs of a few seconds: a worker left stepping the first would answer the second with the first's outcome
    const design = expandDesign(loadExperiment(writeJson(tempDir(), "exp.json", smallExperiment({
      scenario: baseScenario({ graph: { kind: "erdosRenyi", n: 400, p: 0.01 }, ticks: 20_000, recordEvery: 1000 })
    }))))
    const [first, second] = design.runs
    const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const lanes = yield* workerLanes(1)
      const stepping = yield* Effect.forkChild(lanes.run(jobOf(design, first)))
      yield* Effect.sleep("2 seconds")
      yield* Fiber.interrupt(stepping)
      return yield* lanes.run(jobOf(design, second))
    })))
    expect([outcome.runId, outcome.status, outcome.ticks]).toEqual([second.runId, "done", 20_000])
  })
})
