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
  /** everything the process carries from tick to tick, for a checkpoint (structured-cloneable) */
  save(): unknown
  /** puts back what `save` returned, on a process built from the same scenario */
  load(saved: unknown): void
}

/** A process's fields by name (private ones too), copied — typed arrays, arrays and records included — for `save`. */
export const saveFields = (o: object, keys: ReadonlyArray<string>): Record<string, unknown> =>
  structuredClone(Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]])))

/**
 * Puts saved fields back: into typed arrays of the same length and into arrays in place (a process may hold them
 * readonly and share them), else by assignment (fields a process replaces as it goes, e.g. per-interval arrays).
 */
export const loadFields = (o: object, saved: unknown): void => {
  const target = o as Record<string, unknown>
  for (const [k, v] of Object.entries(saved as Record<string, unknown>)) {
    const current = target[k]
    const sameLength = ArrayBuffer.isView(current) && ArrayBuffer.isView(v) && (current as Uint8Array).length === (v as Uint8Array).length
    if (sameLength) (current as unknown as Uint8Array).set(v as unknown as Uint8Array)
    else if (Array.isArray(current) && Array.isArray(v)) current.splice(0, current.length, ...v)
    else target[k] = v
  }
}

/** Builds a world's process when its scenario turns it on. */
export type ProcessFactory = (w: World) => EvolutionProcess | undefined
