// What an evolutionary process adds to a run: main-thread work between ticks, bookkeeping at each measured tick,
// and tables written beside the metrics (`<name>.parquet` in a run directory, a table with run_id in a sweep store).
import type { World } from "../world.js"

/** A column of a run table, with its DuckDB type. */
export interface TableColumn {
  readonly name: string
  readonly type: "INTEGER" | "BIGINT" | "DOUBLE" | "VARCHAR" | "BOOLEAN"
  readonly doc: string
}

export interface RunTable {
  /** file stem and store table name */
  readonly name: string
  readonly columns: ReadonlyArray<TableColumn>
  readonly rows: ReadonlyArray<ReadonlyArray<unknown>>
}

export interface EvolutionProcess {
  /** after tick `tick`'s phases, on the main thread while the workers wait (`tick` ticks have run) */
  afterTick(tick: number): void
  /** at every measured tick, before the metrics row is built; called at most once per tick */
  record(tick: number): void
  /** the process's tables as they stand */
  tables(): ReadonlyArray<RunTable>
}

/** Builds a world's process when its scenario turns it on. */
export type ProcessFactory = (w: World) => EvolutionProcess | undefined
