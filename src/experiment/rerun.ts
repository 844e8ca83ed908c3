// Reruns: one stored run rebuilt from its store — the experiment definition (base scenario, `set`, stop rules),
// the run's overrides and seed — so `kiln rerun` steps exactly the world the sweep stepped.
import type { LoadedPlugin } from "../model/plugin.js"
import type { Scenario } from "../scenario/schema.js"
import { InputError } from "../errors.js"
import { expandDesign, pointScenario, type Json } from "./design.js"
import { decodeExperimentWithPlugins, type Experiment } from "./load.js"
import type { StopRuleT } from "./schema.js"
import { literal, query, readMeta } from "./store.js"

/** A stored run, ready to step: its point's scenario with its seed, and what the sweep ran it with. */
export interface StoredRun {
  readonly runId: string
  readonly experiment: Experiment
  /** the point's scenario with the run's seed */
  readonly scenario: Scenario
  /** the base scenario's file: graph files and plugins resolve against it */
  readonly file: string
  readonly stop: ReadonlyArray<StopRuleT>
  readonly plugins: ReadonlyArray<LoadedPlugin>
  /** the run's factor values, by column */
  readonly values: Readonly<Record<string, Json>>
}

/** What the `experiment` table's definition holds (base and scenarioFile since reruns: older stores lack them). */
interface Definition {
  readonly experiment: Record<string, unknown>
  readonly scenario: Record<string, unknown>
  readonly base?: Record<string, unknown>
  readonly scenarioFile?: string
}

/** The run's runs row, or an error naming the store and a few run ids it does hold. */
const runRow = async (db: string, runId: string): Promise<Record<string, unknown>> => {
  const [row] = await query(db, `SELECT * FROM runs WHERE run_id = ${literal(runId)}`)
  if (row !== undefined) return row
  const some = (await query(db, "SELECT run_id FROM runs ORDER BY run_id LIMIT 3")).map((r) => String(r.run_id))
  throw new InputError({
    file: db, path: "run_id",
    message: `no run "${runId}" in this store; expected a run_id of its runs table${some.length > 0 ? `, e.g. ${some.join(", ")}` : " (it has none)"}`
  })
}

/**
 * A run's point scenario: its stored overrides applied to the base (any merged or grown store); a store written
 * before runs kept overrides finds the point by id in its design instead.
 */
const scenarioOf = (db: string, experiment: Experiment, row: Record<string, unknown>, kilnVersion: string): Scenario => {
  if (typeof row.overrides === "string") return pointScenario(experiment, JSON.parse(row.overrides))
  const point = expandDesign(experiment).points.find((p) => p.id === row.point_id)
  if (point !== undefined) return point.scenario
  throw new InputError({
    file: db, path: "run_id",
    message: `run "${String(row.run_id)}" has point ${String(row.point_id)}, which the stored experiment no longer expands to ` +
      `(the store was written by Kiln ${kilnVersion}); rerun it with that version`
  })
}

/**
 * Rebuilds run `runId` of the store `db`: the experiment is decoded again from its stored definition (the base
 * scenario as the sweep read it, resolving graph files and plugins against its original file), the run's
 * overrides applied, and its seed taken from the runs table.
 */
export const loadStoredRun = async (db: string, runId: string): Promise<StoredRun> => {
  const meta = await readMeta(db)
  if (meta === undefined) throw new InputError({ file: db, path: "", message: "not a Kiln experiment database (no experiment table)" })
  const row = await runRow(db, runId)
  const def = meta.definition as Definition
  const experiment = await decodeExperimentWithPlugins(def.experiment, db, { base: def.base ?? def.scenario, baseFile: def.scenarioFile ?? db })
  const scenario = scenarioOf(db, experiment, row, meta.kilnVersion)
  const values = Object.fromEntries(meta.factors.map((c) => [c.name, row[c.name] as Json]))
  return {
    runId, experiment, scenario: { ...scenario, seed: Number(row.seed) }, file: experiment.baseFile,
    stop: experiment.spec.stop, plugins: experiment.plugins, values
  }
}
