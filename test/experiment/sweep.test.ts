// Sweeps into DuckDB: runs equal simulate(), worker threads equal this thread, stop rules, failures recorded,
// foreign DBs refused, shards merged, tables exported, reports and plots drawn.
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { lastValueFrom, toArray } from "rxjs"
import { beforeAll, describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { expandDesign, type Design } from "../../src/experiment/design.js"
import { exportDb } from "../../src/experiment/export.js"
import { decodeExperiment } from "../../src/experiment/load.js"
import { mergeDbs } from "../../src/experiment/merge.js"
import { plot } from "../../src/experiment/plot.js"
import { reportHtml } from "../../src/experiment/report.js"
import { StopRules } from "../../src/run/stop-rules.js"
import { closeDb, openDb, query, readRows } from "../../src/experiment/store.js"
import { runSweep, sweep, type SweepOptions } from "../../src/experiment/sweep.js"
import { toCsv } from "../../src/io/run-dir.js"
import { simulate } from "../../src/run/simulation.js"
import { baseScenario, resultTables, smallExperiment, tempDir } from "./support.js"

const designOf = (json: Record<string, unknown>, file = "exp.json") => expandDesign(decodeExperiment(json, file))
const run = (d: Design, o: SweepOptions) => Effect.runPromise(runSweep(d, o))
const fileHash = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex")

const rejection = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error("expected a rejection")
}

/** The metrics rows simulate() gives for a planned run, as the DB stores them. */
const simulated = async (d: Design, runId: string) => {
  const r = d.runs.find((r) => r.runId === runId)!
  const { metrics } = await simulate(d.points[r.point].scenario, { seed: r.seed, file: d.experiment.baseFile })
  return metrics.rows.map((row) => Object.fromEntries([["run_id", runId], ...metrics.columns.map((c, k) => [c, row[k]])]))
}

describe("a sweep with threads per run", () => {
  it("gives the same tables whatever --threads, in worker threads and in this thread", async () => {
    // 1,200 agents, so that the host, settle and measure phases are really split over two threads.
    const big = designOf(smallExperiment({
      scenario: baseScenario({ ticks: 6, recordEvery: 3, graph: { kind: "erdosRenyi", n: 1200, p: 0.005 } }), replicates: 1,
      stop: [{ kind: "steady", metric: "energy_mean", ticks: 3, tolerance: 1e-9 }], snapshots: { ticks: [3, "final"] }
    }))
    const dir = tempDir()
    const dbs = [{ workers: 1, threads: 1 }, { workers: 1, threads: 2 }, { workers: 0, threads: 2 }].map((o) => ({ ...o, db: join(dir, `${o.workers}x${o.threads}.duckdb`) }))
    for (const o of dbs) await run(big, o)
    const [one, ...others] = await Promise.all(dbs.map((o) => resultTables(o.db)))
    expect(one.runs.map((r) => r.status)).toEqual(new Array(4).fill("done"))
    for (const t of others) expect(t).toEqual(one)
    // per-agent snapshots read the per-agent values of whichever threads measured them
    const snapshots = await Promise.all(dbs.map((o) => query(o.db, "SELECT * FROM snapshots ORDER BY run_id, tick, id")))
    expect(snapshots[0]).toHaveLength(4 * 2 * 1200)
    for (const t of snapshots.slice(1)) expect(t).toEqual(snapshots[0])
  })
})

describe("a sweep", () => {
  const dir = tempDir()
  const design = designOf(smallExperiment())
  const db = join(dir, "small.duckdb")

  beforeAll(async () => {
    await run(design, { db, workers: 0 })
  })

  it("stores every run done, and each run's metrics equal simulate() with the same scenario and seed", async () => {
    const t = await resultTables(db)
    expect(t.runs.map((r) => r.status)).toEqual(new Array(8).fill("done"))
    expect(t.runs.map((r) => [r.run_id, r.seed])).toEqual(design.runs.map((r) => [r.runId, r.seed]).sort())
    expect(t.runs[0]).toMatchObject({ replicate: 1, ticks: 40, stop_reason: "ticks", kiln_version: expect.any(String) })
    for (const r of design.runs) {
      const expected = await simulated(design, r.runId)
      expect(t.metrics.filter((m) => m.run_id === r.runId)).toEqual(expected)
      expect(t.final.find((f) => f.run_id === r.runId)).toEqual(expected[expected.length - 1])
    }
    const [swept] = await query(db, "SELECT schedule, social_conformity FROM runs WHERE run_id = " + `'${design.runs[6].runId}'`)
    expect(swept).toEqual({ schedule: "quench", social_conformity: 1 })
  })

  it("on worker threads gives the same tables, with progress as an Observable", async () => {
    const other = join(dir, "threads.duckdb")
    const s = sweep(design.experiment, { db: other, workers: 2 })
    const progress = lastValueFrom(s.progress.pipe(toArray()))
    const result = await s.result
    expect(result).toMatchObject({ total: 8, finished: 8, failed: 0, skipped: 0 })
    const seen = await progress
    expect(seen.map((p) => p.finished)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    expect(await resultTables(other)).toEqual(await resultTables(db))
    const rows = await result.query("SELECT count(*) AS n FROM metrics")
    expect(rows).toEqual([{ n: 72 }])
  })

  it("refuses a DB of another experiment without writing to it, and a full DB without --resume", async () => {
    const before = fileHash(db)
    const foreign = designOf(smallExperiment({ ticks: 30 }))
    const e = await rejection(run(foreign, { db, workers: 0, resume: true }))
    expect(e).toBeInstanceOf(InputError)
    expect((e as InputError).message).toContain("holds another experiment")
    expect((e as InputError).file).toBe(db)
    const again = await rejection(run(design, { db, workers: 0 }))
    expect((again as InputError).message).toContain("pass --resume")
    const notKiln = join(dir, "other.duckdb")
    const h = await openDb(notKiln, false)
    await h.conn.run("CREATE TABLE t (x INTEGER)")
    closeDb(h)
    expect(await rejection(run(design, { db: notKiln, workers: 0, resume: true }))).toBeInstanceOf(InputError)
    expect(fileHash(db)).toBe(before)
    expect(existsSync(db + ".wal")).toBe(false)
  })

  it("with --resume runs only what is missing: nothing when complete, the new replicates when grown", async () => {
    const done = await run(design, { db, workers: 0, resume: true })
    expect(done).toMatchObject({ total: 8, skipped: 8, finished: 0 })
    const grown = designOf(smallExperiment({ replicates: 3 }))
    expect(grown.identity).toBe(design.identity)
    const copy = join(dir, "grown.duckdb")
    writeFileSync(copy, readFileSync(db))
    const more = await run(grown, { db: copy, workers: 0, resume: true })
    expect(more).toMatchObject({ total: 12, skipped: 8, finished: 4 })
    const t = await resultTables(copy)
    const old = await resultTables(db)
    expect(t.metrics.filter((m) => old.runs.some((r) => r.run_id === m.run_id))).toEqual(old.metrics)
  })

  it("shards merge into the same tables as the whole sweep; a shard of another experiment is refused", async () => {
    const shards = [1, 2, 3].map((index) => join(dir, `shard-${index}.duckdb`))
    for (const [k, file] of shards.entries()) {
      const s = await run(design, { db: file, workers: 0, shard: { index: k + 1, count: 3 } })
      expect(s.total).toBe([3, 3, 2][k])
    }
    const merged = join(dir, "merged.duckdb")
    const m = await mergeDbs(shards, merged)
    expect(m).toMatchObject({ added: 8, runs: 8 })
    expect(await resultTables(merged)).toEqual(await resultTables(db))
    expect((await mergeDbs(shards, merged)).added).toBe(0)
    const foreign = join(dir, "foreign.duckdb")
    await run(designOf(smallExperiment({ ticks: 30 })), { db: foreign, workers: 0 })
    const before = fileHash(merged)
    const e = await rejection(mergeDbs([shards[0], foreign], join(dir, "mixed.duckdb")))
    expect((e as InputError).file).toBe(foreign)
    expect(existsSync(join(dir, "mixed.duckdb"))).toBe(false)
    expect(await rejection(mergeDbs([foreign], merged))).toBeInstanceOf(InputError)
    expect(fileHash(merged)).toBe(before)
  })

  it("exports every table to Parquet and CSV that read back to the same rows", async () => {
    const out = join(dir, "export")
    const files = await exportDb(db, "parquet", out)
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(["experiment.parquet", "runs.parquet", "metrics.parquet", "final.parquet"])
    await exportDb(db, "csv", out)
    const h = await openDb(":memory:", false)
    try {
      for (const [table, order] of [["runs", "run_id"], ["metrics", "run_id, tick"], ["final", "run_id"]]) {
        const original = await query(db, `SELECT * FROM ${table} ORDER BY ${order}`)
        expect(await readRows(h.conn, `SELECT * FROM read_parquet('${join(out, table + ".parquet")}')`)).toEqual(original)
        const csv = await readRows(h.conn, `SELECT * FROM read_csv('${join(out, table + ".csv")}', header = true)`)
        expect(csv.length).toBe(original.length)
        if (table !== "runs") expect(csv).toEqual(original)
      }
      const [meta] = await readRows(h.conn, `SELECT identity FROM read_parquet('${join(out, "experiment.parquet")}')`)
      expect(meta.identity).toBe(design.identity)
    } finally {
      closeDb(h)
    }
  })

  it("reports offline: the charts' specs inline, vega inlined, no external URL", async () => {
    const html = await reportHtml(db)
    const specs = [...html.matchAll(/<script type="application\/vnd\.vegalite\+json">(.*?)<\/script>/gs)].map((m) => JSON.parse(m[1]))
    expect(specs.length).toBe(design.metricColumns.length - 1 + design.columns.length)
    const energy = specs.find((s) => s.title.text === "energy_mean")
    expect(new Set(energy.data.values.map((v: { group: string }) => v.group))).toEqual(new Set(["slow · 0.2", "slow · 1", "quench · 0.2", "quench · 1"]))
    expect(energy.data.values.every((v: { n: number; lo: number; hi: number }) => v.n === 2 && v.lo <= v.hi)).toBe(true)
    const against = specs.find((s) => s.title.subtitle === "against social_conformity; points: runs, line: mean")
    expect(against.params[0].bind.options).toContain("frustration_mean")
    expect(against.data.values).toHaveLength(8)
    expect(html).toContain("<h2>Design</h2>")
    expect(html).not.toMatch(/<script[^>]+src=|<link|<iframe|@import/i)
    const outsideLibraries = html.replace(/<script>[\s\S]*?<\/script>/g, "")
    expect(outsideLibraries).not.toMatch(/https?:\/\//)
    expect(html).toContain("vegaLite.compile")
    expect(html.length).toBeGreaterThan(500_000)
  })

  it("reports a run directory of `kiln run` too", async () => {
    const runDir = join(dir, "run")
    mkdirSync(runDir)
    const s = design.points[0].scenario
    const r = await simulate(s, { seed: 3 })
    writeFileSync(join(runDir, "metrics.csv"), toCsv(r.metrics.columns, r.metrics.rows))
    writeFileSync(join(runDir, "manifest.json"), JSON.stringify({ scenario: s, seed: 3, ticks: 40, agents: 24, kiln: "0" }))
    const html = await reportHtml(runDir)
    expect(html.match(/<script type="application\/vnd\.vegalite\+json">/g)).toHaveLength(r.metrics.columns.length - 1)
    expect(html).not.toContain("<h2>Design</h2>")
  })

  it("plots one chart to SVG or PNG", async () => {
    const svg = await plot(db, { metric: "energy_mean", out: join(dir, "energy.svg") })
    const text = readFileSync(svg, "utf8")
    expect(text.startsWith("<svg")).toBe(true)
    expect(text).toContain("energy_mean")
    const png = await plot(db, { metric: "frustration_mean", against: "schedule", out: join(dir, "f.png") })
    expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG")
    const e = await rejection(plot(db, { metric: "nope", out: join(dir, "x.svg") }))
    expect((e as InputError).path).toBe("--metric")
    expect(await rejection(plot(db, { metric: "energy_mean", against: "gamma", out: join(dir, "x.svg") }))).toBeInstanceOf(InputError)
  })
})

describe("runs that fail or stop early", () => {
  it("a failing run is recorded as failed with its error; the others complete", async () => {
    const dir = tempDir()
    const d = designOf(smallExperiment({
      factors: [{ name: "graph_source", conditions: { generated: {}, broken: { graph: { kind: "file", path: "missing-graph.json" } } } }]
    }), join(dir, "exp.json"))
    const db = join(dir, "f.duckdb")
    const s = await run(d, { db, workers: 1 })
    expect(s).toMatchObject({ finished: 4, failed: 2 })
    const runs = await query(db, "SELECT graph_source, status, error FROM runs ORDER BY graph_source, run_id")
    expect(runs.map((r) => [r.graph_source, r.status])).toEqual([["broken", "failed"], ["broken", "failed"], ["generated", "done"], ["generated", "done"]])
    expect(String(runs[0].error)).toContain("missing-graph.json")
    const orphans = await query(db, "SELECT count(*) AS n FROM metrics JOIN runs USING (run_id) WHERE status = 'failed'")
    expect(orphans).toEqual([{ n: 0 }])
    // --resume retries failed runs (here they fail again) and leaves one row per run
    const again = await run(d, { db, workers: 0, resume: true })
    expect(again).toMatchObject({ skipped: 2, finished: 2, failed: 2 })
    expect(await query(db, "SELECT count(*) AS n FROM runs")).toEqual([{ n: 4 }])
  })

  it("stops at a threshold crossing; the stored rows are a prefix of the full run", async () => {
    const dir = tempDir()
    // independent seeds: these runs include some that cross
    const d = designOf(smallExperiment({ seeds: "independent", stop: [{ kind: "crossing", metric: "energy_mean", threshold: 1, direction: "down" }] }))
    const db = join(dir, "stop.duckdb")
    await run(d, { db, workers: 0 })
    const runs = await query(db, "SELECT run_id, ticks, stop_reason FROM runs ORDER BY run_id")
    const stopped = runs.filter((r) => r.stop_reason === "crossing:energy_mean")
    expect(stopped.length).toBeGreaterThan(0)
    for (const r of runs) {
      const rows = await query(db, `SELECT * FROM metrics WHERE run_id = '${r.run_id}' ORDER BY tick`)
      const full = await simulated(d, String(r.run_id))
      expect(rows).toEqual(full.slice(0, rows.length))
      if (r.stop_reason === "crossing:energy_mean") {
        const [prev, last] = rows.slice(-2) as Array<{ energy_mean: number; tick: number }>
        expect(prev.energy_mean > 1 && last.energy_mean <= 1).toBe(true)
        expect(r.ticks).toBe(last.tick)
        expect(rows.slice(0, -1).some((x, k) => k > 0 && (rows[k - 1].energy_mean as number) > 1 && (x.energy_mean as number) <= 1)).toBe(false)
      } else expect(r.ticks).toBe(40)
    }
  })

  it("steady: stops once the metric stays within the tolerance for K ticks, never before K ticks of history", () => {
    const rules = new StopRules([{ kind: "steady", metric: "x", ticks: 20, tolerance: 0.01 }], ["tick", "x"])
    const series: Array<[number, number]> = [[0, 1], [10, 1], [20, 1.5], [30, 1.505], [40, 1.509], [50, 1.5]]
    expect(series.map((row) => rules.check(row) ?? "")).toEqual(["", "", "", "", "steady:x", "steady:x"])
    const flat = new StopRules([{ kind: "steady", metric: "x", ticks: 20, tolerance: 0 }], ["tick", "x"])
    expect([[0, 2], [10, 2], [20, 2]].map((row) => flat.check(row) ?? "")).toEqual(["", "", "steady:x"])
    const cross = new StopRules([{ kind: "crossing", metric: "x", threshold: 1, direction: "either" }], ["tick", "x"])
    expect([[0, 1.2], [5, 1.1], [10, 0.9]].map((row) => cross.check(row) ?? "")).toEqual(["", "", "crossing:x"])
  })

  it("an experiment with `metrics` stores only those columns", async () => {
    const dir = tempDir()
    const d = designOf(smallExperiment({ replicates: 1, metrics: ["energy_mean", "frustration_mean"], scenario: baseScenario({ ticks: 10 }) }))
    const db = join(dir, "m.duckdb")
    await run(d, { db, workers: 0 })
    expect(Object.keys((await query(db, "SELECT * FROM metrics LIMIT 1"))[0])).toEqual(["run_id", "tick", "energy_mean", "frustration_mean"])
  })
})
