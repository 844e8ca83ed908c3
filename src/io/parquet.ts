// Parquet files of a run directory, written straight from typed arrays through DuckDB's appender: no CSV text
// and no per-row JavaScript arrays, so a million-agent table costs its columns, not millions of objects.

/** The column types run directories use. */
export type ParquetType =
  | "BOOLEAN" | "TINYINT" | "UTINYINT" | "SMALLINT" | "INTEGER" | "UINTEGER" | "BIGINT" | "FLOAT" | "DOUBLE" | "VARCHAR"

/** A column: its name, type and the value of row i (NaN, null, undefined and "" are written as NULL). */
export interface ParquetColumn {
  readonly name: string
  readonly type: ParquetType
  readonly value: (row: number) => unknown
}

/** How a value goes into a DuckDB vector of the column's type. */
const toVector: Record<ParquetType, (v: unknown) => unknown> = {
  BOOLEAN: Boolean, TINYINT: Number, UTINYINT: Number, SMALLINT: Number, INTEGER: Number, UINTEGER: Number,
  BIGINT: (v) => BigInt(v as number), FLOAT: Number, DOUBLE: Number, VARCHAR: String
}

const isNull = (v: unknown): boolean => v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v))

const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`

/** Rows per data chunk: DuckDB's vector size, so a chunk is one native call per column. */
const CHUNK_ROWS = 2048

/**
 * Writes `rows` rows of `columns` to `file` (zstd Parquet). DuckDB runs on one thread, so equal input gives
 * byte-identical files. Rows go in by data chunks of 2,048 into an in-memory table (in native memory, not the
 * JavaScript heap), which COPY then writes row group by row group.
 */
export const writeParquet = async (file: string, columns: ReadonlyArray<ParquetColumn>, rows: number): Promise<void> => {
  // Loaded on use: simulations that never write Parquet do not pay for the database engine.
  const duck = await import("@duckdb/node-api")
  const db = await duck.DuckDBInstance.create(":memory:", { threads: "1" })
  const conn = await db.connect()
  try {
    await conn.run(`CREATE TABLE t (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(", ")})`)
    const a = await conn.createAppender("t")
    const types = columns.map((c) => duck[c.type])
    const convert = columns.map((c) => toVector[c.type])
    for (let lo = 0; lo < rows; lo += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows - lo)
      const chunk = duck.DuckDBDataChunk.create(types, count)
      columns.forEach((c, k) => {
        const values = new Array<unknown>(count)
        for (let r = 0; r < count; r++) {
          const v = c.value(lo + r)
          values[r] = isNull(v) ? null : convert[k](v)
        }
        chunk.setColumnValues(k, values as Parameters<typeof chunk.setColumnValues>[1])
      })
      a.appendDataChunk(chunk)
    }
    a.flushSync()
    a.closeSync()
    await conn.run(`COPY t TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`)
  } finally {
    conn.closeSync()
    db.closeSync()
  }
}
