// Per-agent snapshots in the store: every agent's state at the chosen recorded ticks, so a group-level statistic
// (claim 11's between-group distance, on a shortened scenarios/experiments/group-divergence.json) is one SQL query —
// checked against the same statistic of the final worlds.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { expandDesign } from "../../src/experiment/design.js"
import { loadExperiment } from "../../src/experiment/load.js"
import { query } from "../../src/experiment/store.js"
import { runSweep } from "../../src/experiment/sweep.js"
import { Engine } from "../../src/model/engine.js"
import { runLoop } from "../../src/run/loop.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { groupSpread } from "../claims/groups.js"
import { tempDir, writeJson } from "./support.js"

const experiments = join(import.meta.dirname, "../../scenarios/experiments")

/** The query docs/EXPERIMENTS.md shows: mean over pairs of groups and value beliefs of ((m_g − m_h)/2)², per run. */
const betweenGroupSql = (doc: string): string => {
  const block = /```sql\n(-- between-group distance[\s\S]*?)```/.exec(doc)
  if (!block) throw new Error("docs/EXPERIMENTS.md: no between-group distance query")
  return block[1].slice(0, block[1].indexOf(";") + 1)
}

describe("snapshots", () => {
  it("store every agent at the chosen ticks; claim 11's between-group distance is one query", async () => {
    const original = JSON.parse(readFileSync(join(experiments, "group-divergence.json"), "utf8"))
    expect(original.snapshots).toEqual({ ticks: [0, "final"] })
    const file = writeJson(tempDir(), "claim11.json", { ...original, scenario: join(experiments, original.scenario), replicates: 2, ticks: 60 })
    const design = expandDesign(loadExperiment(file))
    const db = join(tempDir(), "claim11.duckdb")
    await Effect.runPromise(runSweep(design, { db, workers: 0 }))
    expect(await query(db, "SELECT tick, count(*) AS agents FROM snapshots GROUP BY tick ORDER BY tick")).toEqual([
      { tick: 0, agents: 6 * 180 }, { tick: 60, agents: 6 * 180 }
    ])
    const [agent] = await query(db, "SELECT * FROM snapshots WHERE tick = 0 ORDER BY run_id, id LIMIT 1")
    expect(Object.keys(agent)).toEqual(expect.arrayContaining(["run_id", "tick", "id", "group", "energy", "belief_v1", "belief_member:red", "attachment"]))

    const doc = readFileSync(join(import.meta.dirname, "../../docs/EXPERIMENTS.md"), "utf8")
    const rows = await query(db, betweenGroupSql(doc))
    expect(rows).toHaveLength(6)
    for (const run of design.runs) {
      const engine = new Engine(prepareWorld({ ...design.points[run.point].scenario, seed: run.seed }, design.experiment.baseFile))
      await Effect.runPromise(runLoop(engine))
      const stored = rows.find((r) => r.run_id === run.runId)!
      expect(stored.between as number).toBeCloseTo(groupSpread(engine.world).between, 12)
    }
  })
})
