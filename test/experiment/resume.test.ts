// Resume after a real `kill -9`: a sweep process is killed mid-way, the DB holds only whole runs, and a resumed
// sweep completes exactly the missing runs, with tables identical to an uninterrupted sweep.
import { spawn } from "node:child_process"
import { join, resolve } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { expandDesign } from "../../src/experiment/design.js"
import { loadExperiment } from "../../src/experiment/load.js"
import { query } from "../../src/experiment/store.js"
import { runSweep } from "../../src/experiment/sweep.js"
import { baseScenario, resultTables, smallExperiment, tempDir, writeJson } from "./support.js"

const root = resolve(import.meta.dirname, "../..")

/** `kiln sweep` from the sources, killed with SIGKILL once its progress shows `killAt` of the runs done. */
const sweepKilledAt = (args: string[], killAt: number): Promise<{ signal: string | null; seen: number }> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "sweep", ...args], {
      cwd: root,
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let seen = 0
    let log = ""
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => {
      log += chunk
      for (const m of chunk.matchAll(/ (\d+)\/(\d+) /g)) {
        seen = Math.max(seen, Number(m[1]))
        if (seen / Number(m[2]) >= killAt && child.exitCode === null) child.kill("SIGKILL")
      }
    })
    child.on("error", fail)
    child.on("exit", (_code, signal) => (signal === null && seen === 0 ? fail(new Error(log)) : done({ signal, seen })))
  })

describe("resume", () => {
  it("after kill -9 of a sweep process completes exactly the missing runs, identical to an uninterrupted sweep", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "exp.json", smallExperiment({
      name: "resume",
      replicates: 5,
      scenario: baseScenario({ graph: { kind: "erdosRenyi", n: 200, p: 0.05 }, ticks: 400, recordEvery: 20 }),
      factors: [
        { name: "schedule", conditions: { slow: { "energy.gamma": 0.05 }, quench: { "energy.gamma": 0.5 } } },
        { path: "social.conformity", values: [0.2, 0.6, 1] }
      ]
    }))
    const design = expandDesign(loadExperiment(file))
    const total = design.runs.length
    const killed = join(dir, "killed.duckdb")

    const { signal, seen } = await sweepKilledAt([file, "--db", killed, "--workers", "2"], 0.3)
    expect(signal).toBe("SIGKILL")

    // only whole runs survive: every stored run is done, with all its metrics rows and its final row
    const [state] = await query(killed, `SELECT
      (SELECT count(*) FROM runs) AS runs,
      (SELECT count(*) FROM runs WHERE status <> 'done') AS not_done,
      (SELECT count(*) FROM metrics WHERE run_id NOT IN (SELECT run_id FROM runs)) AS orphan_metrics,
      (SELECT count(*) FROM final WHERE run_id NOT IN (SELECT run_id FROM runs)) AS orphan_final,
      (SELECT count(*) FROM (SELECT run_id FROM metrics GROUP BY run_id HAVING count(*) <> 21)) AS partial`)
    const stored = state.runs as number
    expect(state).toEqual({ runs: stored, not_done: 0, orphan_metrics: 0, orphan_final: 0, partial: 0 })
    expect(stored).toBeGreaterThanOrEqual(seen)
    expect(stored).toBeLessThan(total)

    const resumed = await Effect.runPromise(runSweep(design, { db: killed, workers: 0, resume: true }))
    expect(resumed).toMatchObject({ total, skipped: stored, finished: total - stored, failed: 0 })

    const reference = join(dir, "reference.duckdb")
    await Effect.runPromise(runSweep(design, { db: reference, workers: 0 }))
    expect(await resultTables(killed)).toEqual(await resultTables(reference))
    console.log(`resume: killed after ${stored} of ${total} runs were stored; the resumed sweep ran ${total - stored}`)
  })
})
