// Parquet files of a run directory, written straight from typed arrays through a DuckDB appender: no CSV text
// and no per-row JavaScript arrays, so a million-agent table costs its columns, not millions of objects.
import type { DuckDBAppender } from "@duckdb/node-api"

/** The column types run directories use. */
export type ParquetType =
  | "BOOLEAN" | "TINYINT" | "UTINYINT" | "SMALLINT" | "INTEGER" | "UINTEGER" | "BIGINT" | "FLOAT" | "DOUBLE" | "VARCHAR"

/** A column: its name, type and the value of row i (NaN, null, undefined and "" are written as NULL). */
export interface ParquetColumn {
  readonly name: string
  readonly type: ParquetType
  readonly value: (row: number) => unknown
}

type Append = (a: DuckDBAppender, v: unknown) => void

const appenders: Record<ParquetType, Append> = {
  BOOLEAN: (a, v) => a.appendBoolean(Boolean(v)),
  TINYINT: (a, v) => a.appendTinyInt(Number(v)),
  UTINYINT: (a, v) => a.appendUTinyInt(Number(v)),
  SMALLINT: (a, v) => a.appendSmallInt(Number(v)),
  INTEGER: (a, v) => a.appendInteger(Number(v)),
  UINTEGER: (a, v) => a.appendUInteger(Number(v)),
  BIGINT: (a, v) => a.appendBigInt(BigInt(v as number)),
  FLOAT: (a, v) => a.appendFloat(Number(v)),
  DOUBLE: (a, v) => a.appendDouble(Number(v)),
  VARCHAR: (a, v) => a.appendVarchar(String(v))
}

const isNull = (v: unknown): boolean => v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v))

const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`

/** Rows appended between flushes: DuckDB then moves them into its row groups, keeping the appender's buffer small. */
const FLUSH_ROWS = 122_880

/**
 * Writes `rows` rows of `columns` to `file` (zstd Parquet). DuckDB runs on one thread, so equal input gives
 * byte-identical files. The rows pass through an in-memory table that DuckDB spills to a temporary folder beside
 * `file` when it outgrows its memory limit.
 */
export const writeParquet = async (file: string, columns: ReadonlyArray<ParquetColumn>, rows: number): Promise<void> => {
  // Loaded on use: simulations that never write Parquet do not pay for the database engine.
  const { DuckDBInstance } = await import("@duckdb/node-api")
  const db = await DuckDBInstance.create(":memory:", { threads: "1" })
  const conn = await db.connect()
  try {
    await conn.run(`CREATE TABLE t (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(", ")})`)
    const a = await conn.createAppender("t")
    const append = columns.map((c) => appenders[c.type])
    const values = columns.map((c) => c.value)
    const width = columns.length
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < width; k++) {
        const v = values[k](r)
        if (isNull(v)) a.appendNull()
        else append[k](a, v)
      }
      a.endRow()
      if ((r + 1) % FLUSH_ROWS === 0) a.flushSync()
    }
    a.flushSync()
    a.closeSync()
    await conn.run(`COPY t TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`)
  } finally {
    conn.closeSync()
    db.closeSync()
  }
}
