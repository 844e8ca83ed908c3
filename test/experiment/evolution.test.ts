// Evolution in the sweep store: each run's lineages and variants land in their own tables keyed by run_id, equal to
// what simulate() gives, the same on worker threads and in this thread; shards merge them and exports write them.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { expandDesign, type Design } from "../../src/experiment/design.js"
import { exportDb } from "../../src/experiment/export.js"
import { decodeExperiment } from "../../src/experiment/load.js"
import { mergeDbs } from "../../src/experiment/merge.js"
import { query } from "../../src/experiment/store.js"
import { runSweep, type SweepOptions } from "../../src/experiment/sweep.js"
import { worldTables } from "../../src/model/evolution/index.js"
import { simulate } from "../../src/run/simulation.js"
import { tempDir } from "./support.js"

const design = expandDesign(decodeExperiment({
  name: "evolving-sweep",
  scenario: {
    name: "evolving", ticks: 40, recordEvery: 10,
    graph: { kind: "wattsStrogatz", n: 80, k: 4, beta: 0.1 },
    beliefs: [{ name: "a" }, { name: "b" }, { name: "c" }],
    memes: [{ name: "m", content: { a: 1 }, transmissibility: 0.4 }],
    interventions: [{ kind: "seedMeme", meme: "m", target: { fraction: 0.2 } }],
    evolution: { memes: { slots: 2, mutation: { rate: 0.1, flip: 0.2, add: 0.2, sd: { tag: 1 } } } }
  },
  seed: 3,
  replicates: 2,
  factors: [{ path: "memes[0].transmissibility", values: [0.3, 0.6] }]
}, "exp.json"))
const run = (d: Design, o: SweepOptions) => Effect.runPromise(runSweep(d, o))

/** A process table of the store, rows ordered, run_id kept. */
const table = (db: string, name: string) => query(db, `SELECT * FROM ${name} ORDER BY ALL`)

describe("evolution tables in a sweep store", async () => {
  const dir = tempDir()
  const db = join(dir, "all.duckdb")
  await run(design, { db, workers: 0 })

  it("holds every run's lineages and variants, equal to simulate()'s", async () => {
    const lineages = await table(db, "lineages")
    const variants = await table(db, "variants")
    expect(new Set(lineages.map((r) => r.run_id)).size).toBe(4)
    for (const r of design.runs) {
      const { world } = await simulate(design.points[r.point].scenario, { seed: r.seed, file: design.experiment.baseFile })
      for (const t of worldTables(world)) {
        const stored = (t.name === "lineages" ? lineages : variants).filter((x) => x.run_id === r.runId)
        expect(stored.length, `${t.name} of ${r.runId}`).toBe(t.rows.length)
        const ids = t.columns.findIndex((c) => c.name === (t.name === "lineages" ? "variant" : "tick"))
        expect(stored.map((x) => Number(x[t.columns[ids].name])).sort((a, b) => a - b))
          .toEqual(t.rows.map((row) => Number(row[ids])).sort((a, b) => a - b))
      }
    }
    expect(lineages.length).toBeGreaterThan(20)
  })

  it("are the same from worker threads, and from shards merged", async () => {
    const threaded = join(dir, "threaded.duckdb")
    await run(design, { db: threaded, workers: 2 })
    const shards = [1, 2].map((index) => join(dir, `shard-${index}.duckdb`))
    for (const [k, file] of shards.entries()) await run(design, { db: file, workers: 0, shard: { index: k + 1, count: 2 } })
    const merged = join(dir, "merged.duckdb")
    await mergeDbs(shards, merged)
    for (const name of ["lineages", "variants"]) {
      const reference = await table(db, name)
      expect(await table(threaded, name)).toEqual(reference)
      expect(await table(merged, name)).toEqual(reference)
    }
  })

  it("answer docs/EVOLUTION.md's queries: founders' carriers at the end of each run, and how often new variants spread", async () => {
    const queries = readFileSync(join(import.meta.dirname, "../../docs/EVOLUTION.md"), "utf8").match(/```sql\n([\s\S]*?)```/)![1]
    // this sweep's factor column stands in for the experiments' `condition`
    const [carriers, spread] = queries.split(";").map((q) => q.trim()).filter((q) => q.length > 0)
      .map((q) => q.replace(/r\.condition/g, "r.memes_0_transmissibility"))
    const byFounder = await query(db, carriers)
    const variants = await table(db, "variants")
    const last = Math.max(...variants.map((v) => Number(v.tick)))
    const total = variants.filter((v) => v.tick === last).reduce((a, v) => a + Number(v.hosts), 0)
    expect(byFounder.reduce((a, r) => a + Number(r.carriers), 0)).toBe(total)
    expect((await query(db, spread)).length).toBe(2)
  })

  it("are exported beside the core tables", async () => {
    const files = await exportDb(db, "parquet", join(dir, "export"))
    expect(files.map((f) => f.split("/").at(-1))).toEqual([
      "experiment.parquet", "runs.parquet", "metrics.parquet", "final.parquet", "lineages.parquet", "variants.parquet"
    ])
  })
})
