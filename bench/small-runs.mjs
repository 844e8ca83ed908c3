// Many small runs: `kiln sweep` of one 200-agent scenario (B = 8, Barabási–Albert m = 5, 100 ticks) replicated
// <runs> times on <workers> workers. Reports runs per second and how the workers' time splits between the runs
// themselves (world setup, stepping, measuring: the store's wall_seconds) and everything else (handing runs out,
// storing them, starting threads). Prints one JSON line. Usage: node bench/small-runs.mjs [runs] [workers]
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"

const [runs = 1000, workers = 2] = process.argv.slice(2).map(Number)
const dir = mkdtempSync(join(tmpdir(), "kiln-small-runs-"))
const kiln = new URL("../bin/kiln.mjs", import.meta.url).pathname
try {
  writeFileSync(join(dir, "small.json"), JSON.stringify({
    name: "small", seed: 1, ticks: 100,
    graph: { kind: "barabasiAlbert", n: 200, m: 5 },
    beliefs: Array.from({ length: 8 }, (_, a) => ({ name: `b${a}` })),
    prior: { sd: 0.3, noise: 0.1 }, social: { conformity: 0.2 }
  }))
  writeFileSync(join(dir, "sweep.json"), JSON.stringify({ name: "small-runs", scenario: "small.json", seed: 1, replicates: runs }))
  const db = join(dir, "runs.duckdb")
  const load = loadavg()[0]
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [kiln, "sweep", join(dir, "sweep.json"), "--db", db, "--workers", String(workers), "--quiet"], { encoding: "utf8" })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`kiln sweep failed (${r.status}): ${r.stderr}`)
  const instance = await DuckDBInstance.create(db)
  const conn = await instance.connect()
  const [row] = (await conn.runAndReadAll("SELECT count(*) AS n, sum(wall_seconds) AS busy FROM runs WHERE status = 'done'")).getRowObjectsJS()
  conn.closeSync()
  instance.closeSync()
  const busy = Number(row.busy)
  console.log(JSON.stringify({
    runs: Number(row.n), workers, wall_s: wall, runs_per_s: Number(row.n) / wall,
    in_runs_share: busy / (workers * wall),
    per_run_ms: { in_run: (1000 * busy) / Number(row.n), other: (1000 * (workers * wall - busy)) / Number(row.n) },
    load_before: load, load_after: loadavg()[0]
  }))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
