// The results store: one DuckDB file per experiment with the tables `experiment`, `runs`, `metrics` and `final`.
// Each run is committed in one transaction with its status, so a run is either fully present or absent.
import { existsSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { ensureDir } from "../io/output-dir.js"
import {
  BIGINT, BOOLEAN, DOUBLE, DuckDBConnection, DuckDBInstance, INTEGER, VARCHAR, type DuckDBAppender, type DuckDBType
} from "@duckdb/node-api"
import { InputError, RunError } from "../errors.js"
import { KILN_VERSION } from "../version.js"
import { type ColumnType, type Design, type DesignPoint, type FactorColumn, type Json, type PlannedRun } from "./design.js"
import type { RunOutcome } from "./run.js"
import type { RunTable, TableColumn } from "../model/evolution/process.js"

/** What the `experiment` table holds (one row). */
export interface StoreMeta {
  readonly identity: string
  readonly name: string
  readonly description: string
  /** the experiment as decoded, with its base scenario: enough to rerun it */
  readonly definition: unknown
  /** the swept parameters: the factor columns of `runs` */
  readonly factors: ReadonlyArray<FactorColumn>
  readonly kilnVersion: string
}

/** A double-quoted SQL identifier. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`
/** A single-quoted SQL string. */
export const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`

const duckType: Record<ColumnType, DuckDBType> = { BIGINT, DOUBLE, BOOLEAN, VARCHAR }

/** Opens a DuckDB file; a missing or locked file or one that is not DuckDB becomes a readable error. */
export const openDb = async (path: string, readOnly: boolean): Promise<{ db: DuckDBInstance; conn: DuckDBConnection }> => {
  if (readOnly && !existsSync(path)) throw new InputError({ file: path, path: "", message: "no such file" })
  if (!readOnly) ensureDir(dirname(resolve(path)))
  let db: DuckDBInstance
  try {
    db = await DuckDBInstance.create(path, readOnly ? { access_mode: "READ_ONLY" } : { threads: "2" })
  } catch (e) {
    const message = (e as Error).message
    if (/lock/i.test(message)) throw new RunError({ message: `kiln: ${path} is open in another process (${message.split("\n")[0]})`, cause: e })
    throw new InputError({ file: path, path: "", message: `not a DuckDB database (${message.split("\n")[0]})` })
  }
  return { db, conn: await db.connect() }
}

export const closeDb = (h: { db: DuckDBInstance; conn: DuckDBConnection }): void => {
  h.conn.closeSync()
  h.db.closeSync()
}

/** Rows as plain objects; BIGINT values that fit become numbers. */
export const readRows = async (conn: DuckDBConnection, sql: string): Promise<Array<Record<string, unknown>>> => {
  const reader = await conn.runAndReadAll(sql)
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(row)) {
      out[k] = typeof v === "bigint" && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v
    }
    return out
  })
}

/** The tables every store has; any other table holds runs' process tables (lineages, variants, …), keyed by run_id. */
export const CORE_TABLES = ["experiment", "runs", "metrics", "final"] as const

/** The process tables of a store (or an attached one), sorted by name. */
export const processTables = async (conn: DuckDBConnection, catalog?: string): Promise<string[]> =>
  [...(await tableNames(conn, catalog))].filter((t) => !(CORE_TABLES as ReadonlyArray<string>).includes(t)).sort()

const tableNames = async (conn: DuckDBConnection, catalog?: string): Promise<Set<string>> => {
  const where = catalog ? `database_name = ${literal(catalog)}` : "database_name = current_database()"
  const rows = await readRows(conn, `SELECT table_name FROM duckdb_tables() WHERE ${where} AND schema_name = 'main'`)
  return new Set(rows.map((r) => String(r.table_name)))
}

/** The column names of a table, in order. */
export const columnNames = async (conn: DuckDBConnection, table: string, catalog?: string): Promise<string[]> => {
  const where = catalog ? `database_name = ${literal(catalog)}` : "database_name = current_database()"
  const rows = await readRows(
    conn,
    `SELECT column_name FROM duckdb_columns() WHERE ${where} AND schema_name = 'main' AND table_name = ${literal(table)} ORDER BY column_index`
  )
  return rows.map((r) => String(r.column_name))
}

/** Reads the `experiment` row of a connection's database (or an attached one); undefined when it has none. */
export const readMetaFrom = async (conn: DuckDBConnection, catalog?: string): Promise<StoreMeta | undefined> => {
  const tables = await tableNames(conn, catalog)
  if (!tables.has("experiment") || !tables.has("runs")) return undefined
  const [row] = await readRows(conn, `SELECT * FROM ${catalog ? `${ident(catalog)}.` : ""}experiment LIMIT 1`)
  if (row === undefined) return undefined
  return {
    identity: String(row.identity),
    name: String(row.name),
    description: String(row.description ?? ""),
    definition: JSON.parse(String(row.definition)),
    factors: JSON.parse(String(row.factors)),
    kilnVersion: String(row.kiln_version)
  }
}

/** The `experiment` row of a DB file, read without writing to it. */
export const readMeta = async (path: string): Promise<StoreMeta | undefined> => {
  const h = await openDb(path, true)
  try {
    return await readMetaFrom(h.conn)
  } finally {
    closeDb(h)
  }
}

/** Refuses a DB that is not a Kiln experiment DB or holds another experiment. */
export const checkMeta = (path: string, meta: StoreMeta | undefined, identity: string, name: string): StoreMeta => {
  if (meta === undefined) {
    throw new InputError({ file: path, path: "", message: "not a Kiln experiment database (no experiment table); choose another --db" })
  }
  if (meta.identity !== identity) {
    throw new InputError({
      file: path,
      path: "",
      message: `holds another experiment ("${meta.name}", identity ${meta.identity}), not "${name}" (identity ${identity}); ` +
        `nothing was written: choose another --db${seedsHint(meta)}`
    })
  }
  return meta
}

/** A store made before common seeds existed ran independent seeds: say how to resume it. */
const seedsHint = (meta: StoreMeta): string => {
  const stored = (meta.definition as { experiment?: { seeds?: string } } | null)?.experiment
  return stored !== undefined && stored.seeds === undefined
    ? `, or, if only the seeding differs: this DB was made with independent seeds, so add "seeds": "independent" to the experiment to resume it`
    : ""
}

/** Adds the columns a table lacks (a grown design's factors, a run table's new columns), with their types. */
export const addColumns = async (conn: DuckDBConnection, table: string, columns: ReadonlyArray<{ name: string; type: string }>): Promise<void> => {
  const have = new Set(await columnNames(conn, table))
  for (const c of columns) if (!have.has(c.name)) await conn.run(`ALTER TABLE ${ident(table)} ADD COLUMN ${ident(c.name)} ${c.type}`)
}

/** The columns of a table with their types (of an attached database with `catalog`). */
export const typedColumns = async (conn: DuckDBConnection, table: string, catalog?: string): Promise<Array<{ name: string; type: string }>> => {
  const where = catalog ? `database_name = ${literal(catalog)}` : "database_name = current_database()"
  const rows = await readRows(
    conn,
    `SELECT column_name, data_type FROM duckdb_columns() WHERE ${where} AND schema_name = 'main' AND table_name = ${literal(table)} ORDER BY column_index`
  )
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }))
}

/** Creates the four tables and the experiment row, in one transaction. */
export const createTables = async (conn: DuckDBConnection, meta: StoreMeta, metrics: ReadonlyArray<string>): Promise<void> => {
  const factorCols = meta.factors.map((c) => `${ident(c.name)} ${c.type}, `).join("")
  const metricCols = metrics.filter((m) => m !== "tick").map((m) => `, ${ident(m)} DOUBLE`).join("")
  await conn.run("BEGIN TRANSACTION")
  await conn.run(
    "CREATE TABLE experiment (identity VARCHAR NOT NULL, name VARCHAR NOT NULL, description VARCHAR, definition VARCHAR, " +
      "factors VARCHAR NOT NULL, created TIMESTAMP, kiln_version VARCHAR)"
  )
  await conn.run(
    `CREATE TABLE runs (run_id VARCHAR NOT NULL, point_id VARCHAR NOT NULL, replicate INTEGER NOT NULL, seed BIGINT NOT NULL, ${factorCols}` +
      "overrides VARCHAR, status VARCHAR NOT NULL, error VARCHAR, ticks INTEGER, stop_reason VARCHAR, started TIMESTAMP, finished TIMESTAMP, " +
      "wall_seconds DOUBLE, kiln_version VARCHAR)"
  )
  await conn.run(`CREATE TABLE metrics (run_id VARCHAR NOT NULL, tick INTEGER NOT NULL${metricCols})`)
  await conn.run(`CREATE TABLE final (run_id VARCHAR NOT NULL, tick INTEGER NOT NULL${metricCols})`)
  await conn.run(
    "INSERT INTO experiment VALUES ($1, $2, $3, $4, $5, current_timestamp::TIMESTAMP, $6)",
    [meta.identity, meta.name, meta.description, JSON.stringify(meta.definition), JSON.stringify(meta.factors), meta.kilnVersion]
  )
  await conn.run("COMMIT")
}

/** Adds metric columns a DB lacks to `metrics` and `final` (a grown design may add memes, groups or beliefs). */
export const addMetricColumns = async (conn: DuckDBConnection, missing: ReadonlyArray<string>): Promise<void> => {
  for (const m of missing) {
    await conn.run(`ALTER TABLE metrics ADD COLUMN ${ident(m)} DOUBLE`)
    await conn.run(`ALTER TABLE final ADD COLUMN ${ident(m)} DOUBLE`)
  }
}

export const metaOf = (design: Design): StoreMeta => {
  const e = design.experiment
  return {
    identity: design.identity,
    name: e.spec.name,
    description: e.spec.description ?? "",
    // base and scenarioFile rebuild every point as the sweep did (kiln rerun); scenario is the decoded base, for readers
    definition: { experiment: e.spec, scenario: e.baseScenario, base: e.base, scenarioFile: e.baseFile },
    factors: design.columns,
    kilnVersion: KILN_VERSION
  }
}

/** The DB of one sweep: opened for writing after its identity is checked, committing one run at a time. */
export class Store {
  private constructor(
    readonly path: string,
    private readonly h: { db: DuckDBInstance; conn: DuckDBConnection },
    private readonly design: Design,
    /** the metric columns of the metrics table, without tick */
    private metricCols: string[],
    private readonly filtered: boolean
  ) {}

  /**
   * Opens (or creates) the DB for `design`. A DB of another experiment is refused before anything is written;
   * so is a DB that already holds runs, unless `resume`.
   */
  static async open(path: string, design: Design, resume: boolean): Promise<Store> {
    const name = design.experiment.spec.name
    if (existsSync(path)) {
      const meta = checkMeta(path, await readMeta(path), design.identity, name)
      const h = await openDb(path, true)
      let runs = 0
      try {
        runs = Number((await readRows(h.conn, "SELECT count(*) AS n FROM runs"))[0].n)
      } finally {
        closeDb(h)
      }
      if (runs > 0 && !resume) {
        throw new InputError({
          file: path,
          path: "",
          message: `already holds ${runs} runs of "${meta.name}"; pass --resume to complete it, or choose another --db`
        })
      }
    }
    const h = await openDb(path, false)
    try {
      const tables = await tableNames(h.conn)
      if (!tables.has("experiment")) await createTables(h.conn, metaOf(design), design.metricColumns)
      else {
        // the design may have grown (values, samples, replicates, with common seeds factors): keep the definition current
        await addFactorColumns(h.conn, path, design)
        await addColumns(h.conn, "runs", [{ name: "overrides", type: "VARCHAR" }])
        await h.conn.run("UPDATE experiment SET definition = $1, factors = $2", [
          JSON.stringify(metaOf(design).definition), JSON.stringify(design.columns)
        ])
      }
      const have = (await columnNames(h.conn, "metrics")).slice(2)
      const missing = design.metricColumns.filter((c) => c !== "tick" && !have.includes(c))
      await addMetricColumns(h.conn, missing)
      return new Store(path, h, design, [...have, ...missing], design.experiment.spec.metrics !== undefined)
    } catch (e) {
      closeDb(h)
      throw e
    }
  }

  /** Ids of the runs already done; failed runs are not among them and run again. */
  async doneRuns(): Promise<Set<string>> {
    const rows = await readRows(this.h.conn, "SELECT run_id FROM runs WHERE status = 'done'")
    return new Set(rows.map((r) => String(r.run_id)))
  }

  /** Commits one run: its runs row and, when done, its metrics rows and final row, in one transaction. */
  commit(run: PlannedRun, point: DesignPoint, o: RunOutcome): Promise<void> {
    return this.commitMany([{ run, point, outcome: o }])
  }

  /**
   * Commits runs together, in one transaction: each commit waits for the file to reach the disk, so a sweep of many
   * short runs commits them in batches (a run is in the store entirely or not at all, as with `commit`).
   */
  async commitMany(runs: ReadonlyArray<{ run: PlannedRun; point: DesignPoint; outcome: RunOutcome }>): Promise<void> {
    const conn = this.h.conn
    for (const { outcome } of runs) await this.addMetricColumnsOf(outcome)
    await conn.run("BEGIN TRANSACTION")
    try {
      for (const { run, point, outcome } of runs) await this.write(run, point, outcome)
      await conn.run("COMMIT")
    } catch (e) {
      await conn.run("ROLLBACK").catch(() => undefined)
      throw e
    }
  }

  /** Metric columns a run has and the table lacks (points may differ in memes, groups, beliefs). */
  private async addMetricColumnsOf(o: RunOutcome): Promise<void> {
    if (o.status !== "done" || this.filtered) return
    const extra = o.columns.filter((c) => c !== "tick" && !this.metricCols.includes(c))
    if (extra.length > 0) {
      await addMetricColumns(this.h.conn, extra)
      this.metricCols = [...this.metricCols, ...extra]
    }
  }

  /** A run's rows, inside the caller's transaction. */
  private async write(run: PlannedRun, point: DesignPoint, o: RunOutcome): Promise<void> {
    const conn = this.h.conn
    const cols = o.columns
    const factors = this.design.columns
    const names = ["run_id", "point_id", "replicate", "seed", ...factors.map((c) => c.name), "overrides", "status", "error", "ticks",
      "stop_reason", "started", "finished", "wall_seconds", "kiln_version"]
    const params = names.map((n, k) => (n === "started" || n === "finished" ? `epoch_ms($${k + 1})` : `$${k + 1}`))
    const values = [
      run.runId, run.pointId, run.replicate, BigInt(run.seed),
      ...factors.map((c) => factorValue(c, point.values[c.name])),
      JSON.stringify(point.overrides), o.status, o.error ?? null, o.ticks, o.stopReason, BigInt(o.started), BigInt(o.finished), (o.finished - o.started) / 1000, KILN_VERSION
    ]
    const types = [VARCHAR, VARCHAR, INTEGER, BIGINT, ...factors.map((c) => duckType[c.type]), VARCHAR, VARCHAR, VARCHAR, INTEGER, VARCHAR,
      BIGINT, BIGINT, DOUBLE, VARCHAR]
    await conn.run("DELETE FROM runs WHERE run_id = $1", [run.runId])
    await conn.run(`INSERT INTO runs (${names.map(ident).join(", ")}) VALUES (${params.join(", ")})`, values, types)
    if (o.status === "done") {
      const width = cols.length
      const nrows = o.rows.length / width
      const at = this.metricCols.map((m) => cols.indexOf(m))
      const append = async (table: string, from: number, to: number) => {
        const a = await conn.createAppender(table)
        for (let r = from; r < to; r++) {
          a.appendVarchar(run.runId)
          a.appendInteger(o.rows[r * width])
          for (const k of at) {
            // NaN (a metric undefined at this record) is stored as NULL, which SQL aggregates skip
            if (k < 0 || Number.isNaN(o.rows[r * width + k])) a.appendNull()
            else a.appendDouble(o.rows[r * width + k])
          }
          a.endRow()
        }
        a.flushSync()
        a.closeSync()
      }
      await append("metrics", 0, nrows)
      await append("final", nrows - 1, nrows)
      for (const t of o.tables) await this.appendTable(run.runId, t)
    }
  }

  /**
   * A run's table (lineages, variants, snapshots, …): created on first use, rows keyed by run_id. Points may differ
   * in columns (a swept belief or meme list): missing ones are added, and a run leaves others' NULL.
   */
  private async appendTable(runId: string, t: RunTable): Promise<void> {
    const conn = this.h.conn
    const cols = t.columns.map((c) => `, ${ident(c.name)} ${c.type}`).join("")
    await conn.run(`CREATE TABLE IF NOT EXISTS ${ident(t.name)} (run_id VARCHAR NOT NULL${cols})`)
    await addColumns(conn, t.name, t.columns)
    await conn.run(`DELETE FROM ${ident(t.name)} WHERE run_id = $1`, [runId])
    const order = (await columnNames(conn, t.name)).slice(1).map((name) => t.columns.findIndex((c) => c.name === name))
    const a = await conn.createAppender(t.name)
    for (const row of t.rows) {
      a.appendVarchar(runId)
      for (const k of order) {
        if (k < 0) a.appendNull()
        else appendCell(a, t.columns[k].type, row[k])
      }
      a.endRow()
    }
    a.flushSync()
    a.closeSync()
  }

  close(): void {
    closeDb(this.h)
  }
}

/** One cell of a run table; null and undefined become NULL. */
const appendCell = (a: DuckDBAppender, type: TableColumn["type"], v: unknown): void => {
  if (v === null || v === undefined || (type === "VARCHAR" && v === "")) return a.appendNull()
  switch (type) {
    case "INTEGER": return a.appendInteger(Number(v))
    case "BIGINT": return a.appendBigInt(BigInt(v as number))
    case "DOUBLE": return a.appendDouble(Number(v))
    case "BOOLEAN": return a.appendBoolean(Boolean(v))
    case "VARCHAR": return a.appendVarchar(String(v))
  }
}

/**
 * With common seeds a design may gain factors: their columns are added to `runs`, and the runs of points still in
 * the design get their values (a point is its scenario, so an old run is the new point whose level leaves the
 * scenario as it was). A column whose type changed is refused.
 */
const addFactorColumns = async (conn: DuckDBConnection, path: string, design: Design): Promise<void> => {
  const have = new Map((await typedColumns(conn, "runs")).map((c) => [c.name, c.type]))
  for (const c of design.columns) {
    const type = have.get(c.name)
    if (type !== undefined && type !== c.type) {
      throw new InputError({
        file: path, path: "",
        message: `its runs table has the column "${c.name}" as ${type}, but factors[${c.factor}] makes it ${c.type}; nothing was written: choose another --db`
      })
    }
  }
  const added = design.columns.filter((c) => !have.has(c.name))
  if (added.length === 0) return
  await addColumns(conn, "runs", added)
  // one UPDATE from a table of the points' values: a statement per point would scan the runs once per point
  await conn.run(`CREATE TEMP TABLE kiln_levels (point_id VARCHAR${added.map((c) => `, ${ident(c.name)} ${c.type}`).join("")})`)
  try {
    const a = await conn.createAppender("kiln_levels", "main", "temp")
    for (const p of design.points) {
      a.appendVarchar(p.id)
      for (const c of added) appendValue(a, c, p.values[c.name])
      a.endRow()
    }
    a.flushSync()
    a.closeSync()
    const set = added.map((c) => `${ident(c.name)} = l.${ident(c.name)}`).join(", ")
    await conn.run(`UPDATE runs SET ${set} FROM kiln_levels l WHERE runs.point_id = l.point_id`)
  } finally {
    await conn.run("DROP TABLE kiln_levels")
  }
}

/** A factor value into an appender, typed as its column. */
const appendValue = (a: DuckDBAppender, c: FactorColumn, v: Json | undefined): void => {
  const value = factorValue(c, v)
  if (value === null) return a.appendNull()
  switch (c.type) {
    case "BIGINT": return a.appendBigInt(value as bigint)
    case "DOUBLE": return a.appendDouble(value as number)
    case "BOOLEAN": return a.appendBoolean(value as boolean)
    case "VARCHAR": return a.appendVarchar(value as string)
  }
}

/** A factor value as its column type: JSON text for mixed lists, bigint for BIGINT. */
const factorValue = (c: FactorColumn, v: unknown) => {
  if (v === undefined) return null
  if (c.json) return JSON.stringify(v)
  if (c.type === "BIGINT") return BigInt(v as number)
  return v as string | number | boolean
}

/** Runs one SQL query on a results DB (opened read-only) and returns the rows as objects. */
export const query = async (db: string, sql: string): Promise<Array<Record<string, unknown>>> => {
  const h = await openDb(db, true)
  try {
    return await readRows(h.conn, sql)
  } finally {
    closeDb(h)
  }
}
