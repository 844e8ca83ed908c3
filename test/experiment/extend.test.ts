// Common random numbers in the store: an experiment grown by an arm and a factor resumes into its old DB and runs
// only the new points; the old runs keep their rows and gain the new factor's column; shards of both merge.
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { commonSeed, expandDesign } from "../../src/experiment/design.js"
import { decodeExperiment } from "../../src/experiment/load.js"
import { mergeDbs } from "../../src/experiment/merge.js"
import { query } from "../../src/experiment/store.js"
import { runSweep, sweep } from "../../src/experiment/sweep.js"
import { InputError } from "../../src/errors.js"
import { resultTables, smallExperiment, tempDir } from "./support.js"

const designOf = (json: Record<string, unknown>) => expandDesign(decodeExperiment(json, "exp.json"))
const small = (factors: unknown[]) => smallExperiment({ replicates: 1, scenario: { ...(smallExperiment().scenario as object), ticks: 10 }, factors })
const schedule = (arms: Record<string, unknown>) => ({ name: "schedule", conditions: arms })

describe("an experiment grown by an arm and a factor (common seeds)", () => {
  const before = designOf(small([schedule({ slow: { "energy.gamma": 0.05 }, quench: { "energy.gamma": 0.5 } })]))
  // one more arm, and a factor whose level 1 is the base scenario's sweeps: the old points are its sweeps = 1 points
  const after = designOf(small([
    schedule({ slow: { "energy.gamma": 0.05 }, quench: { "energy.gamma": 0.5 }, medium: { "energy.gamma": 0.2 } }),
    { path: "sweeps", values: [1, 2] }
  ]))

  it("resumes into the old DB running only the new points; old runs keep their rows and gain the new column", async () => {
    const dir = tempDir()
    const db = join(dir, "grow.duckdb")
    await Effect.runPromise(runSweep(before, { db, workers: 0 }))
    const old = await resultTables(db)
    const grown = await Effect.runPromise(runSweep(after, { db, workers: 0, resume: true }))
    expect(grown).toMatchObject({ total: 6, skipped: 2, finished: 4 })
    const t = await resultTables(db)
    expect(t.metrics.filter((m) => old.runs.some((r) => r.run_id === m.run_id))).toEqual(old.metrics)
    expect(await query(db, "SELECT schedule, sweeps, count(*) AS n FROM runs GROUP BY ALL ORDER BY ALL")).toEqual([
      { schedule: "medium", sweeps: 1, n: 1 }, { schedule: "medium", sweeps: 2, n: 1 },
      { schedule: "quench", sweeps: 1, n: 1 }, { schedule: "quench", sweeps: 2, n: 1 },
      { schedule: "slow", sweeps: 1, n: 1 }, { schedule: "slow", sweeps: 2, n: 1 }
    ])
    // replicate 1 has one seed in every condition
    expect(await query(db, "SELECT count(DISTINCT seed) AS seeds FROM runs")).toEqual([{ seeds: 1 }])

    // shards of the old and the grown design merge into the same runs
    const merged = join(dir, "merged.duckdb")
    const first = join(dir, "first.duckdb")
    await Effect.runPromise(runSweep(before, { db: first, workers: 0 }))
    const second = join(dir, "second.duckdb")
    await Effect.runPromise(runSweep(after, { db: second, workers: 0, shard: { index: 1, count: 2 } }))
    const third = join(dir, "third.duckdb")
    await Effect.runPromise(runSweep(after, { db: third, workers: 0, shard: { index: 2, count: 2 } }))
    await mergeDbs([first, second, third], merged)
    const m = await resultTables(merged)
    expect(m.metrics).toEqual(t.metrics)
    expect(m.runs.map((r) => [r.run_id, r.seed, r.schedule])).toEqual(t.runs.map((r) => [r.run_id, r.seed, r.schedule]))
  })

  it("the API's seed and replicates options replace the experiment's, as --seed and --replicates do", async () => {
    const dir = tempDir()
    const result = await sweep(before.experiment, { db: join(dir, "api.duckdb"), workers: 0, seed: 3, replicates: 2 }).result
    expect(result).toMatchObject({ total: 4, finished: 4 })
    expect(await result.query("SELECT DISTINCT replicate, seed FROM runs ORDER BY replicate")).toEqual([
      { replicate: 1, seed: commonSeed(3, 1) }, { replicate: 2, seed: commonSeed(3, 2) }
    ])
    const effect = await Effect.runPromise(runSweep(before, { db: join(dir, "effect.duckdb"), workers: 0, replicates: 3 }))
    expect(effect).toMatchObject({ total: 6, finished: 6 })
    const bad = await Effect.runPromise(Effect.flip(runSweep(before, { db: join(dir, "bad.duckdb"), workers: 0, seed: 1.5 })))
    expect([(bad as InputError).path, (bad as InputError).message]).toEqual(["seed", "expected an integer in 0..4294967295, got 1.5"])
  })

  it("a factor that changes a column's type is refused, naming the column", async () => {
    const dir = tempDir()
    const db = join(dir, "typed.duckdb")
    await Effect.runPromise(runSweep(designOf(small([{ path: "sweeps", values: [1, 2] }])), { db, workers: 0 }))
    const clash = designOf(small([{ path: "energy.gamma", name: "sweeps", values: [0.1, 0.2] }]))
    const e = await Effect.runPromise(Effect.flip(runSweep(clash, { db, workers: 0, resume: true })))
    expect(e).toBeInstanceOf(InputError)
    expect((e as InputError).message).toContain(`the column "sweeps" as BIGINT, but factors[0] makes it DOUBLE`)
  })

  it("a store of independent seeds is refused with common seeds, saying how to resume it", async () => {
    const db = join(tempDir(), "old.duckdb")
    const independent = designOf({ ...small([{ path: "sweeps", values: [1, 2] }]), seeds: "independent" })
    await Effect.runPromise(runSweep(independent, { db, workers: 0 }))
    // a store made before the seeds field existed has none in its definition
    const { DuckDBInstance } = await import("@duckdb/node-api")
    const h = await DuckDBInstance.create(db)
    const conn = await h.connect()
    await conn.run(`UPDATE experiment SET definition = json_object('experiment', json_object('name', 'small-sweep'))::VARCHAR`)
    conn.closeSync()
    h.closeSync()
    const e = await Effect.runPromise(Effect.flip(runSweep(designOf(small([{ path: "sweeps", values: [1, 2] }])), { db, workers: 0, resume: true })))
    expect((e as InputError).message).toContain(`add "seeds": "independent" to the experiment to resume it`)
  })
})
