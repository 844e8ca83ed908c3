// Sweeps on a cluster, for real: Debian's PostgreSQL on loopback, `kiln runner` processes, `kiln sweep --cluster
// --collect`. A runner killed with kill -9 at 40 % loses nothing, a runner started later takes work, Postgres
// restarted mid-sweep only delays it, and the collected tables equal a local sweep's.
import { existsSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { expandDesign } from "../../src/experiment/design.js"
import { burnInPath } from "../../src/experiment/fork.js"
import { loadExperiment, withRunCounts } from "../../src/experiment/load.js"
import { query } from "../../src/experiment/store.js"
import { runSweep } from "../../src/experiment/sweep.js"
import { kiln, pgQuery, shardsSettled, startPostgres, storedRuns, waitFor, type Kiln, type Postgres } from "./cluster-support.js"
import { baseScenario, resultTables, smallExperiment, tempDir, writeJson } from "./support.js"

/** Fast failover for the test: a dead runner's registration expires after 6 s (effect's default is 35 s), and
 * runners look at the list of runners every second (3 s). */
const fastFailover = {
  KILN_CLUSTER_SHARD_LOCK_EXPIRATION: "6 seconds",
  KILN_CLUSTER_SHARD_LOCK_REFRESH_INTERVAL: "2 seconds",
  KILN_CLUSTER_REFRESH_ASSIGNMENTS_INTERVAL: "1 second"
}

/** 48 runs of 500 agents × 200 ticks, a few tenths of a second each, with snapshots (a process table). */
const experiment = (dir: string) =>
  writeJson(dir, "exp.json", smallExperiment({
    name: "cluster",
    replicates: 12,
    scenario: baseScenario({ graph: { kind: "erdosRenyi", n: 500, p: 0.02 }, ticks: 200, recordEvery: 20 }),
    snapshots: { ticks: [0, "final"] },
    factors: [
      { name: "schedule", conditions: { slow: { "energy.gamma": 0.05 }, quench: { "energy.gamma": 0.5 } } },
      { path: "social.conformity", values: [0.2, 1] }
    ]
  }))

/** The design of the experiment file with `seed`. */
const designOf = (file: string, seed: number) => expandDesign(withRunCounts(loadExperiment(file), { seed }))

/** The same design swept locally, in this process: the reference the collected store must equal. */
const localSweep = async (file: string, seed: number, db: string) => {
  await Effect.runPromise(runSweep(designOf(file, seed), { db, workers: 0 }))
}

/** The tables a sweep writes, the snapshots included. */
const tables = async (db: string) => ({
  ...(await resultTables(db)),
  snapshots: await query(db, "SELECT * FROM snapshots ORDER BY run_id, tick, id")
})

/** Every run exactly once: as many rows as runs, no run twice, all done. */
const onceEach = (db: string) =>
  query(db, "SELECT count(*) AS runs, count(DISTINCT run_id) AS distinct_runs, count(*) FILTER (WHERE status = 'done') AS done FROM runs")

/** `kiln sweep <file> --seed <seed> --cluster … --collect <db>`, with `during` called once `share` of its runs are stored. */
const clusterSweep = async (pg: Postgres, file: string, seed: number, db: string, share: number, during: () => void) => {
  const design = designOf(file, seed)
  const sweep = kiln(["sweep", file, "--seed", String(seed), "--cluster", pg.url, "--collect", db])
  await waitFor(`${share * 100} % of the runs`, async () => (await storedRuns(pg.url, design.identity)) >= share * design.runs.length)
  during()
  expect(await sweep.exited, sweep.log()).toBe(0)
  return design.runs.length
}

describe("sweeps on a cluster", () => {
  let pg: Postgres
  const processes: Kiln[] = []
  const runner = (env: Record<string, string> = {}) => {
    const k = kiln(["runner", "--cluster", pg.url, "--runs", "1"], { ...fastFailover, ...env })
    processes.push(k)
    return k
  }

  beforeAll(async () => {
    pg = await startPostgres()
  })
  // Runners a test leaves running (one that failed half-way) would hold shards in the next: stop them, handing back.
  afterEach(async () => {
    const alive = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null)
    for (const p of alive) p.child.kill("SIGTERM")
    await Promise.all(alive.map((p) => p.exited))
  })
  afterAll(() => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL")
    pg?.stop()
  })

  it("loses nothing when a runner is killed with kill -9 at 40 %; a runner that joins takes work", async () => {
    const dir = tempDir()
    const file = experiment(dir)
    const runners = [runner(), runner(), runner()]
    await waitFor("three runners holding the shards", () => shardsSettled(pg.url, 3))
    const started = Date.now()
    let late: Kiln | undefined
    const collected = join(dir, "cluster.duckdb")
    const total = await clusterSweep(pg, file, 1, collected, 0.4, () => {
      runners[0].child.kill("SIGKILL")
      // weight 2: it takes half the shards, so some of the dead runner's waiting runs surely come its way
      late = runner({ KILN_CLUSTER_RUNNER_SHARD_WEIGHT: "2" })
    })
    const seconds = (Date.now() - started) / 1000
    expect(await runners[0].exited).toBe(null)

    const reference = join(dir, "local.duckdb")
    await localSweep(file, 1, reference)
    expect(await onceEach(collected)).toEqual([{ runs: total, distinct_runs: total, done: total }])
    expect(await tables(collected)).toEqual(await tables(reference))

    const runsBy = async () => {
      const byRunner = await pgQuery<{ runner: string; runs: string }>(pg.url, "SELECT runner, count(*)::text AS runs FROM kiln_outcomes GROUP BY runner")
      return (k: Kiln) => Number(byRunner.find((r) => r.runner.endsWith(`:${k.child.pid}`))?.runs ?? 0)
    }
    const runsOf = await runsBy()
    const rest = [runners[1], runners[2], late!]
    await waitFor("the survivors and the new runner to hold every shard", () => shardsSettled(pg.url, 3))
    // The runner that joined takes work. Whether the first sweep left it any depends on timing (the survivors may
    // finish the dead runner's runs first), so a second sweep, sent once it holds its shards, must land partly on it.
    const second = kiln(["sweep", file, "--seed", "3", "--cluster", pg.url, "--collect", join(dir, "second.duckdb")])
    expect(await second.exited, second.log()).toBe(0)
    const lateRuns = (await runsBy())(late!)
    expect(lateRuns, late!.log()).toBeGreaterThan(runsOf(late!))
    for (const k of rest) k.child.kill("SIGTERM")
    // a stopped runner hands its shards back and exits with 128 + SIGTERM's number
    expect(await Promise.all(rest.map((k) => k.exited))).toEqual([143, 143, 143])
    console.log(
      `cluster: ${total} runs in ${seconds.toFixed(1)} s; runner killed at 40 % after ${runsOf(runners[0])} runs; ` +
        `survivors ${runsOf(runners[1])} + ${runsOf(runners[2])}, the runner started then ${runsOf(late!)} (${lateRuns - runsOf(late!)} of the second sweep)`
    )
  })

  it("finishes when Postgres restarts mid-sweep: runners reconnect", async () => {
    const dir = tempDir()
    const file = experiment(dir)
    runner()
    runner()
    await waitFor("two runners holding the shards", () => shardsSettled(pg.url, 2))
    const started = Date.now()
    const collected = join(dir, "cluster.duckdb")
    const total = await clusterSweep(pg, file, 2, collected, 0.3, () => pg.restart())
    const seconds = (Date.now() - started) / 1000
    // the restart dropped the shards' advisory locks with the connections: the runners take them again
    await waitFor("the runners to hold every shard again", () => shardsSettled(pg.url, 2))

    const reference = join(dir, "local.duckdb")
    await localSweep(file, 2, reference)
    expect(await onceEach(collected)).toEqual([{ runs: total, distinct_runs: total, done: total }])
    expect(await tables(collected)).toEqual(await tables(reference))
    console.log(`cluster: Postgres restarted at 30 %; ${total} runs in ${seconds.toFixed(1)} s, all stored once`)
  })

  it("runs a fork design: every run continues the burn-in's checkpoint, the tables equal a local sweep's", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "fork.json", smallExperiment({
      name: "cluster-fork",
      scenario: baseScenario({ ticks: 60, recordEvery: 10, interventions: [{ kind: "meditation", start: 35, duration: 5 }] }),
      fork: { at: 30 },
      factors: [{ path: "interventions[0].depth", values: [0.2, 0.9] }]
    }))
    runner()
    const collected = join(dir, "fork.duckdb")
    // the burn-in's checkpoint goes beside the collected store; the runner reads it there
    const sweep = kiln(["sweep", file, "--cluster", pg.url, "--collect", collected])
    expect(await sweep.exited, sweep.log()).toBe(0)
    const reference = join(dir, "local.duckdb")
    await Effect.runPromise(runSweep(expandDesign(loadExperiment(file)), { db: reference, workers: 0 }))
    expect(await resultTables(collected)).toEqual(await resultTables(reference))
    expect(existsSync(burnInPath(expandDesign(loadExperiment(file)), collected))).toBe(true)
    const rows = await query(collected, "SELECT count(DISTINCT energy_mean) AS n FROM metrics WHERE tick = 30")
    expect(rows).toEqual([{ n: 1 }])
  })

  it("stores failed runs once, exits 1, and submits nothing when run again", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "failing.json", smallExperiment({
      name: "cluster-failing",
      factors: [{ name: "graph_source", conditions: { generated: {}, broken: { graph: { kind: "file", path: "missing-graph.json" } } } }]
    }))
    runner()
    const collected = join(dir, "failing.duckdb")
    const args = ["sweep", file, "--cluster", pg.url, "--collect", collected]
    const first = kiln(args)
    expect(await first.exited, first.log()).toBe(1)
    expect(first.log()).toContain("missing-graph.json")
    const again = kiln(args)
    expect(await again.exited, again.log()).toBe(1)
    expect(again.log()).toContain("4 already done")
    expect(await query(collected, "SELECT status, count(*) AS n FROM runs GROUP BY status ORDER BY status")).toEqual([
      { status: "done", n: 2 },
      { status: "failed", n: 2 }
    ])
    const [messages] = await pgQuery<{ n: string }>(pg.url, `SELECT count(*)::text AS n FROM cluster_messages WHERE entity_id LIKE '${designOf(file, 7).identity}/%'`)
    expect(messages.n).toBe("4")
  })
})
