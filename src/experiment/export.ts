// `kiln export`: each table of an experiment DB to Parquet or CSV with DuckDB's own writers, rows in run order.
import { mkdirSync, renameSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { InputError } from "../errors.js"
import { closeDb, literal, openDb, readMetaFrom } from "./store.js"

export type ExportFormat = "parquet" | "csv"

/** The tables and the order their rows are written in. */
export const EXPORTED_TABLES = [
  ["experiment", ""],
  ["runs", "ORDER BY run_id"],
  ["metrics", "ORDER BY run_id, tick"],
  ["final", "ORDER BY run_id"]
] as const

/** Writes <out>/<table>.<format> for every table (each written to a temporary name, then renamed). Returns the files. */
export const exportDb = async (db: string, format: ExportFormat, out: string): Promise<string[]> => {
  const h = await openDb(db, true)
  try {
    if ((await readMetaFrom(h.conn)) === undefined) {
      throw new InputError({ file: db, path: "", message: "not a Kiln experiment database (no experiment table)" })
    }
    mkdirSync(out, { recursive: true })
    const options = format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT csv, HEADER true"
    const files: string[] = []
    for (const [table, order] of EXPORTED_TABLES) {
      const file = resolve(join(out, `${table}.${format}`))
      const tmp = `${file}.tmp-${process.pid}`
      try {
        await h.conn.run(`COPY (SELECT * FROM ${table} ${order}) TO ${literal(tmp)} (${options})`)
        renameSync(tmp, file)
      } catch (e) {
        rmSync(tmp, { force: true })
        throw e
      }
      files.push(file)
    }
    return files
  } finally {
    closeDb(h)
  }
}
