// A run directory: manifest, metrics (CSV + Parquet), final agents and edges (Parquet), and for graphs up to
// 100,000 agents the graph as graphology JSON.
// Everything is written into a hidden temporary directory that is renamed into place only on success.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Effect } from "effect"
import { InputError, RunError, formatInputError } from "../errors.js"
import { cleanStaleTemps, planRunDir, safeName, swapInto, tempDirFor, type RunDirOptions } from "./output-dir.js"
import { toGraphology } from "../model/graph/graphology.js"
import type { SocialGraph } from "../model/graph/social-graph.js"
import { writeParquet, type ParquetColumn, type ParquetType } from "./parquet.js"
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
  /** viewer positions, x,y per agent: columns x, y of agents.parquet (and node attributes in graph.json) */
  readonly layout?: Float32Array
  /** write graph.json whatever the graph's size (default: only up to GRAPH_JSON_MAX_AGENTS agents) */
  readonly graphJson?: boolean
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

/**
 * Agents' final state, one row per agent in agent order: id, group (final membership), energy, surprise, one
 * column per belief, hosted memes, attachment, the dominant meme, plugin state and, with a layout, x and y.
 */
export const agentColumns = (w: World, perAgent: Float64Array, layout?: Float32Array): ParquetColumn[] => {
  const { constants: c, state: s, graph } = w
  const memes = w.scenario.memes
  const salience = memeSalience(w)
  return [
    { name: "id", type: "VARCHAR", value: (i) => graph.keys[i] },
    { name: "group", type: "VARCHAR", value: (i) => groupName(w, i) },
    { name: "energy", type: "DOUBLE", value: (i) => s.energy[i] },
    { name: "surprise", type: "DOUBLE", value: (i) => s.surprise[i] },
    ...w.beliefs.map((b, a): ParquetColumn => ({ name: `belief_${b.name}`, type: "TINYINT", value: (i) => s.spins[i * c.B + a] })),
    ...memes.map((m, k): ParquetColumn => ({ name: `hosts_${m.name}`, type: "BOOLEAN", value: (i) => (w.memeVariants ? salience(i, k) > 0 : s.hosts[i * c.M + k] === 1) })),
    ...memes.map((m, k): ParquetColumn => ({ name: `salience_${m.name}`, type: "DOUBLE", value: (i) => salience(i, k) })),
    { name: "attachment", type: "DOUBLE", value: (i) => perAgent[i * SLOTS + Slot.attachment] },
    { name: "meme", type: "VARCHAR", value: (i) => dominantMeme(w, i) },
    ...stateColumns(w.plugins).map((e): ParquetColumn => ({ name: e.name, type: e.type as ParquetType, value: (i) => e.values[i] })),
    ...(layout
      ? [
          { name: "x", type: "FLOAT", value: (i: number) => layout[2 * i] } as const,
          { name: "y", type: "FLOAT", value: (i: number) => layout[2 * i + 1] } as const
        ]
      : [])
  ]
}

/** The edges of the social graph: source and target agent (row numbers of agents.parquet) and weight, each edge once. */
export const edgeColumns = (g: SocialGraph): ParquetColumn[] => [
  { name: "source", type: "UINTEGER", value: (e) => g.source[e] },
  { name: "target", type: "UINTEGER", value: (e) => g.target[e] },
  { name: "weight", type: "FLOAT", value: (e) => g.weight[e] }
]

/** Agent i's group at the end: its scenario group (which ritual evolution's migration can change), else its graph group. */
const groupName = (w: World, i: number): string => {
  const g = w.constants.groupOf[i]
  if (g >= 0) return w.scenario.groups[g].name
  return w.graph.group[i] >= 0 ? w.graph.groupNames[w.graph.group[i]] : ""
}

/**
 * Agent i's salience of meme k — with meme evolution, the highest salience among the variants of the meme's
 * lineage it carries (so it carries the lineage when that is above 0).
 */
const memeSalience = (w: World): ((i: number, k: number) => number) => {
  const { constants: c, state: s, memeVariants } = w
  if (!memeVariants) return (i, k) => s.salience[i * c.M + k]
  return (i, k) => {
    let best = 0
    for (const v of memeVariants.carried(i)) if (memeVariants.lineage(v.id).root === k) best = Math.max(best, v.salience)
    return best
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

/** `<name>.parquet` from a run table. */
const writeTable = (table: RunTable, dir: string): Promise<void> =>
  writeParquet(
    join(dir, `${table.name}.parquet`),
    table.columns.map((c, k) => ({ name: c.name, type: c.type, value: (r) => table.rows[r][k] })),
    table.rows.length
  )

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

/**
 * Graphs up to this many agents are also written as graph.json (graphology's format, which other tools read);
 * larger ones only as edges.parquet, unless the run asks for graph.json.
 */
export const GRAPH_JSON_MAX_AGENTS = 100_000

const writesGraphJson = (run: RunRecord): boolean => run.graphJson ?? run.world.constants.n <= GRAPH_JSON_MAX_AGENTS

/** The files a run directory holds, in the order the manifest lists them. */
const runFiles = (run: RunRecord): string[] => [
  "metrics.csv", "metrics.parquet", "agents.parquet", "edges.parquet", ...(writesGraphJson(run) ? ["graph.json"] : []),
  ...worldTables(run.world).map((t) => `${t.name}.parquet`), ...(run.frames ? ["frames.bin"] : []), ...(run.carry ?? [])
]

const writeContents = async (run: RunRecord, dir: string): Promise<void> => {
  const { world: w, metrics } = run
  writeFileSync(join(dir, "metrics.csv"), toCsv(metrics.columns, metrics.rows))
  await writeParquet(
    join(dir, "metrics.parquet"),
    metrics.columns.map((name, k) => ({ name, type: "DOUBLE", value: (r) => metrics.rows[r][k] })),
    metrics.rows.length
  )
  await writeParquet(join(dir, "agents.parquet"), agentColumns(w, run.perAgent, run.layout), w.constants.n)
  await writeParquet(join(dir, "edges.parquet"), edgeColumns(w.graph), w.graph.source.length)
  if (writesGraphJson(run)) writeGraphJson(run, join(dir, "graph.json"))
  for (const table of worldTables(w)) await writeTable(table, dir)
  run.frames?.write(dir)
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest(run), null, 2) + "\n")
}

/** graph.json: the graph with each agent's final energy, dominant meme, attachment and layout position. */
const writeGraphJson = (run: RunRecord, file: string): void => {
  const w = run.world
  const graph = toGraphology(w.graph, (i) => ({
    energy: w.state.energy[i],
    meme: dominantMeme(w, i),
    attachment: run.perAgent[i * SLOTS + Slot.attachment],
    ...(run.layout ? { x: run.layout[2 * i], y: run.layout[2 * i + 1] } : {})
  }))
  writeFileSync(file, JSON.stringify(graph.export()))
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
  files: runFiles(run)
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
