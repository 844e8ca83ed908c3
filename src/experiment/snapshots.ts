// Per-agent snapshots of a sweep's runs: every agent's state (the columns of a run directory's agents.parquet)
// at chosen recorded ticks, kept as the run table `snapshots` keyed by run_id and tick.
import type { World } from "../model/world.js"
import type { RunTable, TableColumn } from "../model/evolution/process.js"
import { agentColumns } from "../io/run-dir.js"

/** The store types of agents.parquet's columns: small integers (beliefs, plugin arrays) widen to INTEGER. */
const storeType = (type: string): TableColumn["type"] =>
  type === "TINYINT" || type === "UTINYINT" || type === "SMALLINT" ? "INTEGER" : (type as TableColumn["type"])

/** Collects snapshots at `ticks` ("final": the run's last record), from the records the run loop hands over. */
export const snapshotRecorder = (ticks: ReadonlyArray<number | "final">) => {
  const wanted = new Set(ticks.filter((t): t is number => t !== "final"))
  const final = ticks.includes("final")
  let columns: TableColumn[] = []
  const rows: unknown[][] = []
  let last = { tick: -1, taken: false }
  const take = (w: World, perAgent: Float64Array, tick: number) => {
    const agents = agentColumns(w, perAgent)
    columns = [
      { name: "tick", type: "INTEGER", doc: "the recorded tick" },
      ...agents.map((c) => ({ name: c.name, type: storeType(c.type), doc: "as in agents.parquet" }))
    ]
    for (let i = 0; i < w.constants.n; i++) rows.push([tick, ...agents.map((c) => c.value(i))])
  }
  return {
    /** with every recorded row: `perAgent` holds that tick's per-agent values */
    record(w: World, perAgent: Float64Array, tick: number): void {
      const taken = wanted.has(tick)
      if (taken) take(w, perAgent, tick)
      last = { tick, taken }
    },
    /** after the run: the final snapshot (unless already taken at that tick) and the table */
    table(w: World, perAgent: Float64Array): RunTable {
      if (final && !last.taken) take(w, perAgent, last.tick)
      return { name: "snapshots", columns, rows }
    }
  }
}
