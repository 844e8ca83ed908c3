// `kiln sweep` and friends as a user runs them (from the sources): exit code 2 for bad experiment files with
// nothing written, exit code 1 after a sweep with failed runs, the experiment JSON Schema.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { commonSeed } from "../../src/experiment/design.js"
import { query } from "../../src/experiment/store.js"
import { baseScenario, resultTables, smallExperiment, tempDir, writeJson } from "./support.js"

const root = resolve(import.meta.dirname, "../..")
const kiln = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } })

describe("kiln sweep", () => {
  it("exits 2 on a bad experiment file, naming file and path, and writes nothing", () => {
    const dir = tempDir()
    const file = writeJson(dir, "bad.json", smallExperiment({ factors: [{ path: "energy.gamma", range: { from: 0, to: 1, step: -1 } }] }))
    const db = join(dir, "out", "bad.duckdb")
    const r = kiln(["sweep", file, "--db", db])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(`${file}: at factors[0].range.step: Expected a value greater than 0`)
    expect(existsSync(join(dir, "out"))).toBe(false)
  })

  it("--threads steps each run on threads with the tables of one thread; a bad --threads exits 2", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "threads.json", smallExperiment({
      scenario: baseScenario({ ticks: 4, recordEvery: 2, graph: { kind: "erdosRenyi", n: 1100, p: 0.005 } }), replicates: 1
    }))
    const bad = kiln(["sweep", file, "--db", join(dir, "bad.duckdb"), "--threads", "0"])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain(`${file}: at --threads: expected an integer >= 1`)
    const [one, two] = [1, 2].map((threads) => {
      const db = join(dir, `threads-${threads}.duckdb`)
      const r = kiln(["sweep", file, "--db", db, "--workers", "1", "--threads", String(threads)])
      expect(r.status, r.stderr).toBe(0)
      return db
    })
    expect(await resultTables(two)).toEqual(await resultTables(one))
  })

  it("--seed and --replicates replace the file's; bad values exit 2 naming the flag", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "seeded.json", smallExperiment({ scenario: baseScenario({ ticks: 5 }), factors: [{ path: "sweeps", values: [1, 2] }] }))
    const db = join(dir, "seeded.duckdb")
    const r = kiln(["sweep", file, "--db", db, "--workers", "0", "--seed", "3", "--replicates", "3"])
    expect(r.status, r.stderr).toBe(0)
    const seeds = [1, 2, 3].map((k) => commonSeed(3, k))
    expect(await query(db, "SELECT replicate, seed, count(*) AS n FROM runs GROUP BY ALL ORDER BY replicate")).toEqual(
      seeds.map((seed, k) => ({ replicate: k + 1, seed, n: 2 }))
    )
    for (const [flag, value, expected] of [["--replicates", "0", "expected an integer >= 1, got 0"], ["--seed", "-2", "expected an integer in 0..4294967295, got -2"]]) {
      const bad = kiln(["sweep", file, "--db", join(dir, "bad.duckdb"), flag, value])
      expect(bad.status).toBe(2)
      expect(bad.stderr).toContain(`${file}: at ${flag}: ${expected}`)
    }
  })

  it("records failed runs, finishes the sweep and exits 1", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "failing.json", smallExperiment({
      factors: [{ name: "graph_source", conditions: { generated: {}, broken: { graph: { kind: "file", path: "missing-graph.json" } } } }]
    }))
    const db = join(dir, "failing.duckdb")
    const r = kiln(["sweep", file, "--db", db, "--workers", "0"])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("2 of 4 runs failed")
    expect(r.stderr).toMatch(/4\/4 .* · 2 failed/)
    expect(r.stdout).toContain("missing-graph.json")
    expect(await query(db, "SELECT status, count(*) AS n FROM runs GROUP BY status ORDER BY status")).toEqual([
      { status: "done", n: 2 },
      { status: "failed", n: 2 }
    ])
  })
})
