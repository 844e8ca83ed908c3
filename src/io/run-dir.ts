// A run directory: manifest, metrics (CSV + Parquet), final agents (Parquet) and the graph (graphology JSON).
// Everything is written into a hidden temporary directory that is renamed into place only on success.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Effect } from "effect"
import { InputError, RunError, formatInputError } from "../errors.js"
import { cleanStaleTemps, planRunDir, safeName, swapInto, tempDirFor, type RunDirOptions } from "./output-dir.js"
import { toGraphology } from "../model/graph/graphology.js"
import type { FrameRecorder } from "./frames.js"
import type { MetricsTable } from "../model/metrics.js"
import { SLOTS, Slot } from "../model/kernel.js"
import type { World } from "../model/world.js"
import type { RunTable } from "../model/evolution/process.js"
import { worldTables } from "../model/evolution/index.js"
import { stateColumns } from "../model/plugin.js"
import { KILN_VERSION } from "../version.js"

export interface RunRecord {
  readonly world: World
  readonly metrics: MetricsTable
  /** per-agent metric values of the final tick (Kernel.measure) */
  readonly perAgent: Float64Array
  readonly started: Date
  readonly finished: Date
  readonly workers: number
  /** set when a stop rule ended the run before its last tick: where, and which rule ("steady:<metric>", …) */
  readonly stopped?: { readonly tick: number; readonly reason: string }
  /** per-tick node state for the viewer (`--frames`): written as frames.bin */
  readonly frames?: FrameRecorder
  /** viewer positions, x,y per agent: stored as node attributes x, y in graph.json */
  readonly layout?: Float32Array
  /** files or folders of the directory being replaced that the run keeps (its checkpoints) */
  readonly carry?: ReadonlyArray<string>
  /** more manifest fields (checkpointing, where a fork came from) */
  readonly notes?: Readonly<Record<string, unknown>>
}

/** Default output directory: runs/<scenario name>-<seed>, the name made safe for paths (it stays inside runs/). */
export const defaultRunDir = (w: World): string => join("runs", `${safeName(w.scenario.name)}-${w.scenario.seed}`)

/** A CSV table: header, then rows; numbers in their shortest round-trip form, so files are byte-stable. */
export const toCsv = (columns: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<unknown>>): string => {
  const cell = (v: unknown) => {
    // Undefined values — null, or NaN such as a Price term with nothing to compare — are empty cells (NULL in Parquet).
    const s = v === null || v === undefined || Number.isNaN(v) ? "" : String(v)
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  let out = columns.map(cell).join(",") + "\n"
  for (const r of rows) out += r.map(cell).join(",") + "\n"
  return out
}

/** Agents' final state as a table: id, group (final membership), energy, surprise, one column per belief, hosted memes, attachment. */
export const agentTable = (w: World, perAgent: Float64Array): { columns: string[]; types: string[]; rows: unknown[][] } => {
  const { constants: c, state: s, graph } = w
  const memes = w.scenario.memes
  const columns = ["id", "group", "energy", "surprise", ...w.beliefs.map((b) => `belief_${b.name}`),
    ...memes.map((m) => `hosts_${m.name}`), ...memes.map((m) => `salience_${m.name}`), "attachment"]
  const types = ["VARCHAR", "VARCHAR", "DOUBLE", "DOUBLE", ...w.beliefs.map(() => "TINYINT"),
    ...memes.map(() => "BOOLEAN"), ...memes.map(() => "DOUBLE"), "DOUBLE"]
  const extra = stateColumns(w.plugins)
  columns.push(...extra.map((e) => e.name))
  types.push(...extra.map((e) => e.type))
  const rows: unknown[][] = []
  const memeColumns = memeValues(w)
  for (let i = 0; i < c.n; i++) {
    const row: unknown[] = [graph.keys[i], groupName(w, i), s.energy[i], s.surprise[i]]
    for (let a = 0; a < c.B; a++) row.push(s.spins[i * c.B + a])
    row.push(...memeColumns(i))
    row.push(perAgent[i * SLOTS + Slot.attachment])
    for (const e of extra) row.push(e.values[i])
    rows.push(row)
  }
  return { columns, types, rows }
}

/** Agent i's group at the end: its scenario group (which ritual evolution's migration can change), else its graph group. */
const groupName = (w: World, i: number): string => {
  const g = w.constants.groupOf[i]
  if (g >= 0) return w.scenario.groups[g].name
  return w.graph.group[i] >= 0 ? w.graph.groupNames[w.graph.group[i]] : ""
}

/**
 * Agent i's hosts_<meme> and salience_<meme> values: whether it hosts each meme and its salience — with meme
 * evolution, whether it carries a variant of the meme's lineage and the highest salience among them.
 */
const memeValues = (w: World): ((i: number) => unknown[]) => {
  const { constants: c, state: s, memeVariants } = w
  const M = w.scenario.memes.length
  if (!memeVariants) {
    return (i) => [...Array.from({ length: M }, (_, m) => s.hosts[i * M + m] === 1), ...s.salience.subarray(i * M, (i + 1) * M)]
  }
  return (i) => {
    const best = new Array<number>(M).fill(0)
    for (const v of memeVariants.carried(i)) {
      const root = memeVariants.lineage(v.id).root
      best[root] = Math.max(best[root], v.salience)
    }
    return [...best.map((x) => x > 0), ...best]
  }
}

/** The dominant hosted meme of agent i (highest salience among hosted; with evolution, its lineage), or "" for none. */
const dominantMeme = (w: World, i: number): string => {
  const { constants: c, state: s } = w
  if (w.memeVariants) {
    const f = w.memeVariants.dominantFounder(i)
    return f < 0 ? "" : w.scenario.memes[f].name
  }
  let best = -1
  for (let m = 0; m < c.M; m++) {
    if (s.hosts[i * c.M + m] === 1 && (best < 0 || s.salience[i * c.M + m] > s.salience[i * c.M + best])) best = m
  }
  return best < 0 ? "" : w.scenario.memes[best].name
}

/** `<name>.parquet` from a run table, through a temporary CSV. */
const writeTable = async (table: RunTable, dir: string): Promise<void> => {
  const csv = join(dir, `.${table.name}.csv`)
  writeFileSync(csv, toCsv(table.columns.map((c) => c.name), table.rows))
  await csvToParquet(csv, join(dir, `${table.name}.parquet`), table.columns.map((c) => c.name), table.columns.map((c) => c.type))
  rmSync(csv)
}

/** Converts a CSV file to Parquet with explicit column types (DuckDB, one thread: byte-stable output). */
const csvToParquet = async (csv: string, parquet: string, columns: ReadonlyArray<string>, types: ReadonlyArray<string>) => {
  // Loaded on use: simulations that never write Parquet do not pay for the database engine.
  const { DuckDBInstance } = await import("@duckdb/node-api")
  const db = await DuckDBInstance.create(":memory:", { threads: "1" })
  const conn = await db.connect()
  try {
    const spec = columns.map((c, k) => `'${c.replace(/'/g, "''")}': '${types[k]}'`).join(", ")
    await conn.run(
      `COPY (SELECT * FROM read_csv('${csv.replace(/'/g, "''")}', header = true, auto_detect = false, ` +
        `quote = '"', escape = '"', nullstr = '', columns = {${spec}})) ` +
        `TO '${parquet.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`
    )
  } finally {
    conn.closeSync()
    db.closeSync()
  }
}

/**
 * Writes a run directory atomically: everything goes to `.<dir>.tmp-<pid>` beside it and is renamed to `dir` at
 * the end (temporary directories of dead Kiln processes there are removed first). `dir` must be missing or empty,
 * or hold an earlier Kiln run and `overwrite` be set (with `beside`, the run goes to `<dir>-2`, … instead); a
 * directory Kiln did not write is never touched. On failure the temporary directory is removed. Returns the
 * directory written.
 */
export const writeRun = (run: RunRecord, dir: string, o: RunDirOptions = {}): Effect.Effect<string, RunError> => {
  let tmp: string | undefined
  return Effect.tryPromise({
    try: async () => {
      const final = planRunDir(dir, o).dir
      cleanStaleTemps(dirname(final))
      tmp = tempDirFor(final)
      rmSync(tmp, { recursive: true, force: true })
      mkdirSync(tmp)
      await writeContents(run, tmp)
      for (const name of run.carry ?? []) if (existsSync(join(final, name))) renameSync(join(final, name), join(tmp, name))
      swapInto(tmp, final)
      return final
    },
    catch: (cause) => {
      if (tmp) rmSync(tmp, { recursive: true, force: true })
      const why = cause instanceof InputError ? formatInputError(cause).replace(/^kiln: /, "") : `${dir}: ${String(cause)}`
      return new RunError({ message: `kiln: could not write the run: ${why}`, cause })
    }
  })
}

const writeContents = async (run: RunRecord, dir: string): Promise<void> => {
  const { world: w, metrics } = run
  writeFileSync(join(dir, "metrics.csv"), toCsv(metrics.columns, metrics.rows))
  await csvToParquet(join(dir, "metrics.csv"), join(dir, "metrics.parquet"), metrics.columns, metrics.columns.map(() => "DOUBLE"))
  const agents = agentTable(w, run.perAgent)
  const agentsCsv = join(dir, ".agents.csv")
  writeFileSync(agentsCsv, toCsv(agents.columns, agents.rows))
  await csvToParquet(agentsCsv, join(dir, "agents.parquet"), agents.columns, agents.types)
  rmSync(agentsCsv)
  const graph = toGraphology(w.graph, (i) => ({
    energy: w.state.energy[i],
    meme: dominantMeme(w, i),
    attachment: run.perAgent[i * SLOTS + Slot.attachment],
    ...(run.layout ? { x: run.layout[2 * i], y: run.layout[2 * i + 1] } : {})
  }))
  writeFileSync(join(dir, "graph.json"), JSON.stringify(graph.export()))
  for (const table of worldTables(w)) await writeTable(table, dir)
  run.frames?.write(dir)
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest(run), null, 2) + "\n")
}

export const manifest = (run: RunRecord) => ({
  status: "complete",
  kiln: KILN_VERSION,
  node: process.version,
  scenario: run.world.scenario,
  source: run.world.file,
  seed: run.world.scenario.seed,
  ticks: run.world.scenario.ticks,
  agents: run.world.constants.n,
  beliefs: run.world.beliefs.map((b) => b.name),
  workers: run.workers,
  ...(run.stopped ? { stopped: run.stopped } : {}),
  ...run.notes,
  started: run.started.toISOString(),
  finished: run.finished.toISOString(),
  wallSeconds: (run.finished.getTime() - run.started.getTime()) / 1000,
  files: [
    "metrics.csv", "metrics.parquet", "agents.parquet", "graph.json",
    ...worldTables(run.world).map((t) => `${t.name}.parquet`), ...(run.frames ? ["frames.bin"] : []), ...(run.carry ?? [])
  ]
})

/**
 * The manifest of a run under way that writes checkpoints into its directory: `kiln resume` continues it from the
 * latest one. Replaced by the complete manifest when the run ends.
 */
export const runningManifest = (w: World, workers: number, started: Date, notes: Readonly<Record<string, unknown>>) => ({
  status: "running",
  kiln: KILN_VERSION,
  node: process.version,
  scenario: w.scenario,
  source: w.file,
  seed: w.scenario.seed,
  ticks: w.scenario.ticks,
  agents: w.constants.n,
  workers,
  ...notes,
  started: started.toISOString(),
  files: []
})
