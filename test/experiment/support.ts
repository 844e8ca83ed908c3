// Helpers for experiment tests: temporary folders, small experiments, and tables read back in a fixed order.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { query } from "../../src/experiment/store.js"

export const tempDir = (): string => mkdtempSync(join(tmpdir(), "kiln-experiment-"))

/** A small base scenario: 24 agents, 3 beliefs, a heat pulse at tick 5, 40 ticks recorded every 5. */
export const baseScenario = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: "small",
  ticks: 40,
  recordEvery: 5,
  graph: { kind: "erdosRenyi", n: 24, p: 0.2 },
  beliefs: [{ name: "a" }, { name: "b" }, { name: "c", kind: "factual", truth: 1 }],
  prior: { edges: [{ a: "a", b: "b", w: 0.4 }], noise: 0.2 },
  energy: { rest: 0.2, gamma: 0.1, surprise: 0.3 },
  social: { conformity: 0.5 },
  interventions: [{ kind: "psychedelic", start: 5, dose: 3, volatility: 0.2 }],
  ...extra
})

/** An experiment over the small scenario: schedule arms × conformity values, 2 replicates. */
export const smallExperiment = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: "small-sweep",
  scenario: baseScenario(),
  seed: 7,
  replicates: 2,
  factors: [
    { name: "schedule", conditions: { slow: { "energy.gamma": 0.05 }, quench: { "energy.gamma": 0.5 } } },
    { path: "social.conformity", values: [0.2, 1] }
  ],
  ...extra
})

export const writeJson = (dir: string, name: string, json: unknown): string => {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(json, null, 2))
  return file
}

/** The result tables, rows in run (and tick) order, without the columns that record wall-clock time. */
export const resultTables = async (db: string) => ({
  runs: await query(db, "SELECT * EXCLUDE (started, finished, wall_seconds) FROM runs ORDER BY run_id"),
  metrics: await query(db, "SELECT * FROM metrics ORDER BY run_id, tick"),
  final: await query(db, "SELECT * FROM final ORDER BY run_id")
})
