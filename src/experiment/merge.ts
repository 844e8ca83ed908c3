// `kiln merge`: shard DBs of one experiment combined into one DB, refusing shards of another experiment.
// Runs are keyed by run id: a run done in any shard is kept once; a failed run gives way to a done one.
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { InputError } from "../errors.js"
import {
  addColumns, addMetricColumns, checkMeta, closeDb, columnNames, createTables, ident, literal, openDb, processTables, readMeta, readRows, typedColumns, type StoreMeta
} from "./store.js"

export interface MergeSummary {
  readonly db: string
  /** runs added from the shards */
  readonly added: number
  /** runs in the merged DB */
  readonly runs: number
}

export const mergeDbs = async (shards: ReadonlyArray<string>, out: string): Promise<MergeSummary> => {
  if (shards.length === 0) throw new InputError({ file: out, path: "", message: "expected at least one shard DB to merge" })
  const metas: StoreMeta[] = []
  for (const s of shards) {
    if (resolve(s) === resolve(out)) throw new InputError({ file: s, path: "", message: "is also the --db to merge into" })
    const meta = await readMeta(s)
    metas.push(metas.length === 0 ? checkMeta(s, meta, meta?.identity ?? "", meta?.name ?? "") : checkMeta(s, meta, metas[0].identity, metas[0].name))
  }
  const first = metas[0]
  if (existsSync(out)) checkMeta(out, await readMeta(out), first.identity, first.name)
  const h = await openDb(out, false)
  const conn = h.conn
  let added = 0
  try {
    const tables = new Set((await readRows(conn, "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()")).map((r) => String(r.table_name)))
    if (!tables.has("experiment")) {
      // the merged DB's metric columns: the first shard's, in its order (the others add theirs below)
      const h0 = await openDb(shards[0], true)
      const cols = await columnNames(h0.conn, "metrics").finally(() => closeDb(h0))
      await createTables(conn, first, cols.slice(1))
    }
    for (const s of shards) {
      await conn.run(`ATTACH ${literal(resolve(s))} AS kiln_shard (READ_ONLY)`)
      try {
        const have = await columnNames(conn, "metrics")
        const theirs = await columnNames(conn, "metrics", "kiln_shard")
        await addMetricColumns(conn, theirs.filter((c) => !have.includes(c)))
        // shards of a grown design (common seeds) may have more factor columns; run tables may differ by point
        await addColumns(conn, "runs", await typedColumns(conn, "runs", "kiln_shard"))
        for (const t of await processTables(conn, "kiln_shard")) {
          await conn.run(`CREATE TABLE IF NOT EXISTS ${ident(t)} AS SELECT * FROM kiln_shard.${ident(t)} LIMIT 0`)
          await addColumns(conn, t, await typedColumns(conn, t, "kiln_shard"))
        }
        await conn.run("BEGIN TRANSACTION")
        try {
          await conn.run("DELETE FROM runs WHERE status = 'failed' AND run_id IN (SELECT run_id FROM kiln_shard.runs WHERE status = 'done')")
          await conn.run("CREATE TEMP TABLE kiln_new AS SELECT run_id, status FROM kiln_shard.runs s WHERE NOT EXISTS (SELECT 1 FROM runs m WHERE m.run_id = s.run_id)")
          await conn.run("INSERT INTO runs BY NAME SELECT * FROM kiln_shard.runs WHERE run_id IN (SELECT run_id FROM kiln_new)")
          const done = "(SELECT run_id FROM kiln_new WHERE status = 'done')"
          await conn.run(`INSERT INTO metrics BY NAME SELECT * FROM kiln_shard.metrics WHERE run_id IN ${done}`)
          await conn.run(`INSERT INTO final BY NAME SELECT * FROM kiln_shard.final WHERE run_id IN ${done}`)
          for (const t of await processTables(conn, "kiln_shard")) {
            await conn.run(`INSERT INTO ${ident(t)} BY NAME SELECT * FROM kiln_shard.${ident(t)} WHERE run_id IN ${done}`)
          }
          added += Number((await readRows(conn, "SELECT count(*) AS n FROM kiln_new"))[0].n)
          await conn.run("DROP TABLE kiln_new")
          await conn.run("COMMIT")
        } catch (e) {
          await conn.run("ROLLBACK").catch(() => undefined)
          throw e
        }
      } finally {
        await conn.run("DETACH kiln_shard")
      }
    }
    const runs = Number((await readRows(conn, "SELECT count(*) AS n FROM runs"))[0].n)
    return { db: out, added, runs }
  } finally {
    closeDb(h)
  }
}
