// `kiln export`: each table of an experiment DB to Parquet or CSV with DuckDB's own writers, rows in run order.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import type { DuckDBConnection } from "@duckdb/node-api"
import { InputError, RunError } from "../errors.js"
import { cleanStaleTemps, ensureDir, tempDirFor } from "../io/output-dir.js"
import { closeDb, ident, literal, openDb, processTables, readMetaFrom } from "./store.js"

export type ExportFormat = "parquet" | "csv"

/** The tables and the order their rows are written in; process tables (lineages, …) follow, ordered by all columns. */
export const EXPORTED_TABLES = [
  ["experiment", ""],
  ["runs", "ORDER BY run_id"],
  ["metrics", "ORDER BY run_id, tick"],
  ["final", "ORDER BY run_id"]
] as const

/**
 * Writes <out>/<table>.<format> for every table and returns the files. All tables are written to a temporary
 * directory beside `out` first and moved in only when every one succeeded, so a damaged DB leaves nothing behind.
 */
export const exportDb = async (db: string, format: ExportFormat, out: string): Promise<string[]> => {
  const h = await openDb(db, true)
  try {
    if ((await readMetaFrom(h.conn)) === undefined) {
      throw new InputError({ file: db, path: "", message: "not a Kiln experiment database (no experiment table)" })
    }
    const final = resolve(out)
    if (existsSync(final) && !statSync(final).isDirectory()) {
      throw new InputError({ file: out, path: "--out", message: "exists and is not a directory" })
    }
    ensureDir(dirname(final))
    cleanStaleTemps(dirname(final))
    const tmp = tempDirFor(final)
    rmSync(tmp, { recursive: true, force: true })
    mkdirSync(tmp)
    try {
      const names = await copyTables(h.conn, db, format, tmp)
      moveInto(tmp, final)
      return names.map((name) => join(final, name))
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  } finally {
    closeDb(h)
  }
}

const copyTables = async (conn: DuckDBConnection, db: string, format: ExportFormat, dir: string): Promise<string[]> => {
  const options = format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT csv, HEADER true"
  const names: string[] = []
  const tables = [...EXPORTED_TABLES, ...(await processTables(conn)).map((t) => [t, "ORDER BY ALL"] as const)]
  for (const [table, order] of tables) {
    const name = `${table}.${format}`
    try {
      await conn.run(`COPY (SELECT * FROM ${ident(table)} ${order}) TO ${literal(join(dir, name))} (${options})`)
    } catch (cause) {
      const why = (cause as Error).message?.split("\n")[0] ?? String(cause)
      throw new RunError({ message: `kiln export: could not read table ${table} of ${db} (${why}); nothing was written`, cause })
    }
    names.push(name)
  }
  return names
}

/** The temporary directory becomes `final`; into an existing `final`, each file is moved (replacing its namesake). */
const moveInto = (tmp: string, final: string): void => {
  if (!existsSync(final)) return renameSync(tmp, final)
  for (const name of readdirSync(tmp)) renameSync(join(tmp, name), join(final, name))
}
