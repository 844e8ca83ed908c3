// `kiln rerun`: a stored run reproduced from its store alone (experiment and scenario files gone) writes the same
// metrics, byte for byte, as the store holds; an unknown run id or a file that is no store exits 2, naming it.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { expandDesign } from "../../src/experiment/design.js"
import { decodeExperiment, loadExperiment } from "../../src/experiment/load.js"
import { mergeDbs } from "../../src/experiment/merge.js"
import { loadStoredRun } from "../../src/experiment/rerun.js"
import { columnNames, closeDb, openDb, query } from "../../src/experiment/store.js"
import { runSweep } from "../../src/experiment/sweep.js"
import { toCsv } from "../../src/io/run-dir.js"
import { baseScenario, smallExperiment, tempDir, writeJson } from "./support.js"

const root = resolve(import.meta.dirname, "../..")
const kiln = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } })

/** The store's metrics rows of a run as the CSV `kiln run` writes. */
const storedCsv = async (db: string, runId: string): Promise<string> => {
  const h = await openDb(db, true)
  const columns = (await columnNames(h.conn, "metrics").finally(() => closeDb(h))).slice(1)
  const rows = await query(db, `SELECT * FROM metrics WHERE run_id = '${runId}' ORDER BY tick`)
  return toCsv(columns, rows.map((r) => columns.map((c) => r[c])))
}

describe("kiln rerun", () => {
  it("reproduces a stored run from the store alone: metrics.csv equals the stored rows byte for byte", async () => {
    const dir = tempDir()
    writeJson(dir, "base.json", baseScenario())
    const file = writeJson(dir, "exp.json", smallExperiment({
      scenario: "base.json", stop: [{ kind: "steady", metric: "energy_mean", ticks: 10, tolerance: 0.05 }]
    }))
    const design = expandDesign(loadExperiment(file))
    const db = join(dir, "exp.duckdb")
    await Effect.runPromise(runSweep(design, { db, workers: 0 }))
    rmSync(file)
    rmSync(join(dir, "base.json"))
    const run = design.runs[5]
    const out = join(dir, "rerun")
    const r = kiln(["rerun", db, run.runId, "--out", out, "--frames", "--workers", "2"])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(`small-sweep run ${run.runId} (schedule="quench" social_conformity=0.2, seed ${run.seed})`)
    expect(readFileSync(join(out, "metrics.csv"), "utf8")).toBe(await storedCsv(db, run.runId))
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"))).toMatchObject({ seed: run.seed })
    expect(existsSync(join(out, "frames.bin"))).toBe(true)
  })

  it("rebuilds a run from its stored overrides, even in a merged store whose definition lacks its arm", async () => {
    const dir = tempDir()
    const arms = (extra: Record<string, unknown>) => ({ name: "schedule", conditions: { slow: { "energy.gamma": 0.05 }, ...extra } })
    const small = (factors: unknown[]) => expandDesign(decodeExperiment(smallExperiment({ replicates: 1, factors }), join(dir, "exp.json")))
    const [older, grown] = [small([arms({})]), small([arms({ medium: { "energy.gamma": 0.2, "social.conformity": 0.9 } })])]
    const [a, b, merged] = ["a", "b", "merged"].map((n) => join(dir, `${n}.duckdb`))
    await Effect.runPromise(runSweep(older, { db: a, workers: 0 }))
    await Effect.runPromise(runSweep(grown, { db: b, workers: 0 }))
    await mergeDbs([a, b], merged)
    const medium = grown.runs.find((r) => grown.points[r.point].values.schedule === "medium")!
    const [{ overrides }] = await query(merged, `SELECT overrides FROM runs WHERE run_id = '${medium.runId}'`)
    expect(JSON.parse(String(overrides))).toEqual([["energy.gamma", 0.2], ["social.conformity", 0.9]])
    const stored = await loadStoredRun(merged, medium.runId)
    expect(stored.scenario).toEqual({ ...grown.points[medium.point].scenario, seed: medium.seed })
    expect(stored.values).toEqual({ schedule: "medium" })
    // a store from before runs kept overrides: the point is found by its id in the stored design
    const h = await openDb(b, false)
    await h.conn.run("ALTER TABLE runs DROP COLUMN overrides")
    closeDb(h)
    expect((await loadStoredRun(b, medium.runId)).scenario).toEqual(stored.scenario)
  })

  it("an unknown run id or a file that is no store exits 2, naming the file and what was expected", async () => {
    const dir = tempDir()
    const db = join(dir, "one.duckdb")
    await Effect.runPromise(runSweep(expandDesign(loadExperiment(writeJson(dir, "one.json", smallExperiment({ replicates: 1, factors: [] })))), { db, workers: 0 }))
    const [{ run_id }] = await query(db, "SELECT run_id FROM runs")
    const unknown = kiln(["rerun", db, "nope-1", "--out", join(dir, "x")])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain(`${db}: at run_id: no run "nope-1" in this store; expected a run_id of its runs table, e.g. ${run_id}`)
    const notDb = kiln(["rerun", join(dir, "one.json"), "x-1"])
    expect(notDb.status).toBe(2)
    expect(notDb.stderr).toContain("not a DuckDB database")
    expect(existsSync(join(dir, "x"))).toBe(false)
  })
})
