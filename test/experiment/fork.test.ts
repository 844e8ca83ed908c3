// Fork designs: one burn-in to `fork.at`, every run continuing its checkpoint with its point's overrides and its own
// seed; the same on worker threads; designs whose branches could not continue the burn-in are refused.
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { burnInScenario, expandDesign } from "../../src/experiment/design.js"
import { burnInPath } from "../../src/experiment/fork.js"
import { decodeExperiment } from "../../src/experiment/load.js"
import { runSweep } from "../../src/experiment/sweep.js"
import { simulate } from "../../src/run/simulation.js"
import { readCheckpoint } from "../../src/run/checkpoint.js"
import { inputErrorOf } from "../support/errors.js"
import { baseScenario, resultTables, tempDir } from "./support.js"

const experiment = (extra: Record<string, unknown> = {}) => ({
  name: "forked",
  scenario: baseScenario({ ticks: 40, recordEvery: 5, interventions: [{ kind: "meditation", start: 25, duration: 5, depth: 0.5 }] }),
  seed: 5,
  replicates: 3,
  fork: { at: 20 },
  factors: [{ path: "interventions[0].depth", values: [0.1, 0.9] }],
  ...extra
})
const designOf = (json: Record<string, unknown>) => expandDesign(decodeExperiment(json, "exp.json"))

describe("a fork design", async () => {
  const design = designOf(experiment())
  const dir = tempDir()
  const db = join(dir, "forked.duckdb")
  await Effect.runPromise(runSweep(design, { db, workers: 0 }))
  const tables = await resultTables(db)

  it("runs one burn-in to fork.at; every run's history up to it is the burn-in's", async () => {
    const burnIn = readCheckpoint(burnInPath(design, db))
    expect(burnIn.tick).toBe(20)
    const plain = await simulate(burnInScenario(design.experiment), { file: design.experiment.baseFile })
    const upTo20 = plain.metrics.rows.filter((r) => r[0] <= 20)
    expect(burnIn.rows).toEqual(upTo20)
    const columns = plain.metrics.columns
    for (const run of design.runs) {
      const rows = tables.metrics.filter((m) => m.run_id === run.runId && Number(m.tick) <= 20)
      expect(rows.map((m) => columns.map((c) => m[c])), run.runId).toEqual(upTo20)
    }
  })

  it("branches differ by seed after the fork, and by their point's overrides", () => {
    const at = (runId: string, tick: number) => tables.metrics.find((m) => m.run_id === runId && m.tick === tick)!.energy_mean
    const [a, b] = [design.runs[0], design.runs[1]]
    expect(a.pointId).toBe(b.pointId)
    expect(at(a.runId, 40)).not.toBe(at(b.runId, 40))
    const other = design.runs.find((r) => r.pointId !== a.pointId && r.replicate === a.replicate)!
    expect(at(a.runId, 30)).not.toBe(at(other.runId, 30))
    expect(tables.runs.every((r) => r.status === "done")).toBe(true)
  })

  it("gives the same tables on worker threads", async () => {
    const threaded = join(dir, "threaded.duckdb")
    await Effect.runPromise(runSweep(design, { db: threaded, workers: 2 }))
    expect(await resultTables(threaded)).toEqual(tables)
  })

  it("refuses branches that change the graph, and a fork tick at or after the end", () => {
    const graph = inputErrorOf(() => designOf(experiment({ factors: [{ path: "graph.n", values: [24, 30] }] })))
    expect(graph.message).toMatch(/changes graph, which a fork design's branches share with the burn-in/)
    const late = inputErrorOf(() => designOf(experiment({ fork: { at: 40 } })))
    expect(late.path).toBe("fork.at")
  })
})
