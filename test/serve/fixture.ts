// Run directories for the aggregate view's tests, written as `kiln run` writes large runs: manifest.json,
// metrics.csv, agents.parquet (row i = agent i, with `meme` and optionally `x`, `y`) and edges.parquet
// (source < target, agent indices), and no graph.json.
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { hashUniform } from "../../src/model/rng.js"

export interface FixtureRun {
  readonly n: number
  readonly source: ArrayLike<number>
  readonly target: ArrayLike<number>
  readonly weight?: ArrayLike<number>
  /** group name per agent ("" none); default none */
  readonly group?: (i: number) => string
  readonly memes?: ReadonlyArray<string>
  readonly groups?: ReadonlyArray<string>
  readonly beliefs?: ReadonlyArray<string>
  /** meme of agent i ("" none); default drawn from the seed, a quarter none */
  readonly meme?: (i: number) => string
  /** x, y per agent (a run with a layout) */
  readonly layout?: (i: number) => readonly [number, number]
  readonly seed?: number
  /** also write graph.json (a small run) */
  readonly graphJson?: boolean
}

const csvCell = (v: unknown) => {
  const s = String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const toParquet = async (rows: string, file: string, columns: ReadonlyArray<readonly [string, string]>) => {
  const csv = `${file}.csv`
  writeFileSync(csv, rows)
  const db = await DuckDBInstance.create(":memory:", { threads: "1" })
  const c = await db.connect()
  try {
    const spec = columns.map(([name, type]) => `'${name}': '${type}'`).join(", ")
    await c.run(`COPY (SELECT * FROM read_csv('${csv}', header = true, auto_detect = false, quote = '"', escape = '"', ` +
      `columns = {${spec}})) TO '${file}' (FORMAT parquet)`)
  } finally {
    c.closeSync()
    db.closeSync()
    rmSync(csv)
  }
}

/** Writes the run directory `dir` (created) and returns it. */
export const writeFixtureRun = async (dir: string, f: FixtureRun): Promise<string> => {
  mkdirSync(dir, { recursive: true })
  const seed = f.seed ?? 1
  const memes = f.memes ?? ["spark", "ember", "ash"]
  const beliefs = f.beliefs ?? ["fire", "water", "stone"]
  const meme = f.meme ?? ((i: number) => {
    const u = hashUniform(seed, i, 1, 0)
    return u < 0.25 ? "" : memes[Math.floor(((u - 0.25) / 0.75) * memes.length)]
  })
  const columns: Array<readonly [string, string]> = [["id", "VARCHAR"], ["group", "VARCHAR"], ["energy", "DOUBLE"], ["surprise", "DOUBLE"],
    ...beliefs.map((b) => [`belief_${b}`, "TINYINT"] as const), ...memes.map((m) => [`hosts_${m}`, "BOOLEAN"] as const),
    ["attachment", "DOUBLE"], ["meme", "VARCHAR"], ...(f.layout ? [["x", "FLOAT"], ["y", "FLOAT"]] as const : [])]
  let agents = columns.map((c) => c[0]).join(",") + "\n"
  for (let i = 0; i < f.n; i++) {
    const m = meme(i)
    const row: unknown[] = [`agent-${i}`, f.group?.(i) ?? "", (10 * hashUniform(seed, i, 2, 0)).toFixed(4), hashUniform(seed, i, 3, 0).toFixed(4),
      ...beliefs.map((_, b) => (hashUniform(seed, i, 4, b) < 0.3 + 0.1 * b ? 1 : -1)), ...memes.map((x) => x === m),
      (2 * hashUniform(seed, i, 5, 0) - 1).toFixed(4), m, ...(f.layout ? f.layout(i) : [])]
    agents += row.map(csvCell).join(",") + "\n"
  }
  await toParquet(agents, join(dir, "agents.parquet"), columns)
  let edges = "source,target,weight\n"
  for (let e = 0; e < f.source.length; e++) {
    const [a, b] = [f.source[e], f.target[e]]
    edges += `${Math.min(a, b)},${Math.max(a, b)},${f.weight?.[e] ?? 1}\n`
  }
  await toParquet(edges, join(dir, "edges.parquet"), [["source", "UINTEGER"], ["target", "UINTEGER"], ["weight", "FLOAT"]])
  writeFileSync(join(dir, "metrics.csv"), "tick,energy_mean\n0,1\n1,1.5\n")
  const groups = f.groups ?? []
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({
    status: "complete", scenario: { name: "fixture", memes: memes.map((name) => ({ name })), groups: groups.map((name) => ({ name })) },
    seed, ticks: 1, agents: f.n, beliefs, files: ["metrics.csv", "agents.parquet", "edges.parquet"]
  }, null, 2))
  if (f.graphJson) {
    writeFileSync(join(dir, "graph.json"), JSON.stringify({
      attributes: {}, options: { type: "undirected", multi: false, allowSelfLoops: false },
      nodes: Array.from({ length: f.n }, (_, i) => ({ key: `agent-${i}`, attributes: { energy: 1, meme: meme(i), attachment: 0 } })),
      edges: Array.from(f.source, (s, e) => ({ key: String(e), source: `agent-${s}`, target: `agent-${f.target[e]}` }))
    }))
  }
  return dir
}
