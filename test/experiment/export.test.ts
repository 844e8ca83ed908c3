// `kiln export` is all or nothing: a damaged DB leaves no partial directory and no temporary files behind.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { RunError } from "../../src/errors.js"
import { expandDesign } from "../../src/experiment/design.js"
import { exportDb } from "../../src/experiment/export.js"
import { decodeExperiment } from "../../src/experiment/load.js"
import { closeDb, openDb } from "../../src/experiment/store.js"
import { runSweep } from "../../src/experiment/sweep.js"
import { smallExperiment, tempDir } from "./support.js"

describe("kiln export", () => {
  const dir = tempDir()
  const db = join(dir, "small.duckdb")
  const damaged = join(dir, "damaged.duckdb")

  beforeAll(async () => {
    const design = expandDesign(decodeExperiment(smallExperiment({ replicates: 1 }), "exp.json"))
    await Effect.runPromise(runSweep(design, { db, workers: 0 }))
    // The last table exported is missing: the first three would be written before the failure.
    copyFileSync(db, damaged)
    const h = await openDb(damaged, false)
    await h.conn.run("DROP TABLE final")
    closeDb(h)
  })

  it("writes nothing from a damaged DB, into a new directory or over an earlier export", async () => {
    const out = join(dir, "fresh")
    const e = await exportDb(damaged, "csv", out).catch((e: unknown) => e)
    expect(e).toBeInstanceOf(RunError)
    expect((e as RunError).message).toMatch(/could not read table final of .*damaged\.duckdb.*nothing was written/)
    expect(existsSync(out)).toBe(false)

    const earlier = join(dir, "earlier")
    await exportDb(db, "csv", earlier)
    const before = readFileSync(join(earlier, "runs.csv"), "utf8")
    writeFileSync(join(earlier, "runs.csv"), "marker")
    await expect(exportDb(damaged, "csv", earlier)).rejects.toThrow(/table final/)
    expect(readFileSync(join(earlier, "runs.csv"), "utf8")).toBe("marker")
    expect(before).toContain("run_id")
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([])
  })

  it("moves a complete export into an existing directory, keeping files that are not its own", async () => {
    const out = join(dir, "shared")
    mkdirSync(out)
    writeFileSync(join(out, "notes.md"), "mine")
    const files = await exportDb(db, "parquet", out)
    expect(readdirSync(out).sort()).toEqual(["experiment.parquet", "final.parquet", "metrics.parquet", "notes.md", "runs.parquet"])
    expect(files).toEqual(["experiment", "runs", "metrics", "final"].map((t) => join(out, `${t}.parquet`)))
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([])
  })
})
