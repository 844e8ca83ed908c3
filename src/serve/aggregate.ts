// The aggregate view of a large run directory: agents grouped into communities (the scenario's groups when every
// agent has one, else label propagation over edges.parquet), the community graph laid out once and cached in the
// run directory, and drill-down into one community's agents and internal edges. Agents and edges are read with
// DuckDB in chunks into typed arrays: no per-agent JS objects, so a 1,000,000-agent run fits in a few hundred MB.
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import type { DuckDBConnection } from "@duckdb/node-api"
import { InputError } from "../errors.js"
import { computeLayout } from "../io/layout.js"
import { attachSmall, buildCsr, labelPropagation, numberBySize } from "./communities.js"
import type { AggregateGraph, CommunityNode, Drill, RunInfo } from "./info.js"
import { writeFileAtomic } from "../io/output-dir.js"

export type { AggregateGraph, CommunityNode, Drill }

/** Runs with more agents than this (or without graph.json) are shown as communities. */
export const AGGREGATE_ABOVE = 100_000
/** At most this many communities are drawn; the smallest beyond are merged into one "other" node. */
export const MAX_COMMUNITIES = 300
/** Each community keeps its strongest links to this many others (summed inter-community weight). */
export const LINKS_PER_COMMUNITY = 6
/** Drill-down shows at most this many agents of a community: those with the most edges inside it. */
export const DRILL_CAP = 20_000
/** At most this many meme names get their own share; any others (lineages) are counted together. */
export const MAX_MEMES = 32

const VERSION = 3

/**
 * ForceAtlas2 iterations for a drilled community laid out on request: 200 up to 2,000 agents, fewer above (20 at
 * 20,000), so a click answers in seconds; the community-grouped start positions carry most of the layout.
 */
export const drillIterations = (n: number): number => Math.max(20, Math.round((200 * 2000) / Math.max(n, 2000)))
const SEED_SALT = 0x61676772

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`
const sqlList = (xs: ReadonlyArray<string>) => (xs.length === 0 ? "[]::VARCHAR[]" : `[${xs.map(sqlString).join(", ")}]`)

const withDb = async <A>(f: (c: DuckDBConnection) => Promise<A>): Promise<A> => {
  const { DuckDBInstance } = await import("@duckdb/node-api")
  const db = await DuckDBInstance.create(":memory:", { threads: "2" })
  const c = await db.connect()
  try {
    return await f(c)
  } finally {
    c.closeSync()
    db.closeSync()
  }
}

const rows = async (c: DuckDBConnection, sql: string): Promise<Array<Record<string, unknown>>> =>
  (await c.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>

/** Streams a query chunk by chunk: `each(get, rows, offset)`, where get(column, row) reads one value. */
const stream = async (
  c: DuckDBConnection, sql: string, each: (get: (col: number, row: number) => unknown, count: number, offset: number) => void
): Promise<number> => {
  const result = await c.stream(sql)
  let offset = 0
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const vectors = Array.from({ length: chunk.columnCount }, (_, k) => chunk.getColumnVector(k))
    each((col, row) => vectors[col].getItem(row), chunk.rowCount, offset)
    offset += chunk.rowCount
  }
  return offset
}

/** The run directory's files the aggregate is read from. */
export const aggregateInputs = (dir: string) => ({ agents: join(dir, "agents.parquet"), edges: join(dir, "edges.parquet") })
const cacheFiles = (dir: string) => ({ json: join(dir, ".aggregate.json"), members: join(dir, ".aggregate-members.bin") })

const fingerprint = (dir: string): Record<string, readonly [number, number]> => {
  const out: Record<string, readonly [number, number]> = {}
  for (const [name, file] of Object.entries(aggregateInputs(dir))) {
    const st = statSync(file)
    out[name] = [st.size, Math.round(st.mtimeMs)]
  }
  return out
}

/** Why a run directory cannot be aggregated (a missing input), or undefined when it can. */
export const missingInput = (dir: string): string | undefined => {
  for (const file of Object.values(aggregateInputs(dir))) if (!existsSync(file)) return file
  return undefined
}

/** The per-agent columns the aggregate reads, as typed arrays. */
interface AgentColumns {
  readonly n: number
  /** group index + 1 into `groups` (0: none) */
  readonly group: Int32Array
  readonly groups: ReadonlyArray<string>
  /** meme index into `memes` (−1: none) */
  readonly meme: Int16Array
  readonly memes: ReadonlyArray<string>
  readonly energy: Float64Array
  readonly beliefs: ReadonlyArray<Int8Array>
  readonly beliefNames: ReadonlyArray<string>
}

const readAgents = async (c: DuckDBConnection, file: string, info: RunInfo): Promise<AgentColumns> => {
  const src = `read_parquet(${sqlString(file)})`
  const columns = (await rows(c, `DESCRIBE SELECT * FROM ${src}`)).map((r) => String(r.column_name))
  const has = (name: string) => columns.includes(name)
  const n = Number((await rows(c, `SELECT count(*) AS n FROM ${src}`))[0].n)
  const groups = has("group")
    ? (await rows(c, `SELECT "group" AS v, count(*) AS k FROM ${src} WHERE "group" <> '' GROUP BY 1 ORDER BY k DESC, v`)).map((r) => String(r.v))
    : []
  // Memes: the scenario's, in its order (so colours match the viewer's legend), then any other value (lineages).
  let memes: string[] = []
  if (has("meme")) {
    const seen = (await rows(c, `SELECT meme AS v, count(*) AS k FROM ${src} WHERE meme <> '' GROUP BY 1 ORDER BY k DESC, v`)).map((r) => String(r.v))
    memes = [...info.memes, ...seen.filter((m) => !info.memes.includes(m))]
    if (memes.length > MAX_MEMES) memes = [...memes.slice(0, MAX_MEMES - 1), "(other memes)"]
  }
  const beliefNames = columns.filter((c) => c.startsWith("belief_"))
  const named = memes.at(-1) === "(other memes)" ? memes.slice(0, -1) : memes
  const memeSql = !has("meme")
    ? "-1"
    : `CASE WHEN meme IS NULL OR meme = '' THEN -1 ELSE coalesce(list_position(${sqlList(named)}, meme), ${memes.length}) - 1 END`
  const sql =
    `SELECT ${has("group") ? `coalesce(list_position(${sqlList(groups)}, "group"), 0)` : "0"}::INTEGER, (${memeSql})::INTEGER, ` +
    `${has("energy") ? "coalesce(energy, 0)" : "0"}::DOUBLE` +
    beliefNames.map((b) => `, coalesce(${ident(b)}, 0)::INTEGER`).join("") + ` FROM ${src}`
  const group = new Int32Array(n)
  const meme = new Int16Array(n)
  const energy = new Float64Array(n)
  const beliefs = beliefNames.map(() => new Int8Array(n))
  await stream(c, sql, (get, count, offset) => {
    for (let r = 0; r < count; r++) {
      const i = offset + r
      group[i] = get(0, r) as number
      meme[i] = get(1, r) as number
      energy[i] = get(2, r) as number
      for (let b = 0; b < beliefs.length; b++) beliefs[b][i] = get(3 + b, r) as number
    }
  })
  return { n, group, groups, meme, memes, energy, beliefs, beliefNames: beliefNames.map((b) => b.slice("belief_".length)) }
}

/** Edges as agent-index arrays (and weights), checked against the agent count. */
export interface EdgeColumns {
  readonly source: Uint32Array
  readonly target: Uint32Array
  readonly weight: Float32Array
}

const readEdges = async (c: DuckDBConnection, file: string, n: number): Promise<EdgeColumns> => {
  const src = `read_parquet(${sqlString(file)})`
  const columns = (await rows(c, `DESCRIBE SELECT * FROM ${src}`)).map((r) => String(r.column_name))
  for (const col of ["source", "target"]) {
    if (!columns.includes(col)) throw new InputError({ file, path: "", message: `has no column "${col}"; expected source, target (agent indices) and weight` })
  }
  const m = Number((await rows(c, `SELECT count(*) AS m FROM ${src}`))[0].m)
  const source = new Uint32Array(m)
  const target = new Uint32Array(m)
  const weight = new Float32Array(m)
  let bad = -1
  await stream(
    c,
    `SELECT source::BIGINT, target::BIGINT, ${columns.includes("weight") ? "coalesce(weight, 1)" : "1"}::FLOAT FROM ${src}`,
    (get, count, offset) => {
      for (let r = 0; r < count; r++) {
        const s = Number(get(0, r))
        const t = Number(get(1, r))
        if (!(s >= 0 && s < n && t >= 0 && t < n)) bad = offset + r
        source[offset + r] = s
        target[offset + r] = t
        weight[offset + r] = get(2, r) as number
      }
    }
  )
  if (bad >= 0) throw new InputError({ file, path: `row ${bad}`, message: `names an agent outside 0..${n - 1} (agents.parquet has ${n} rows)` })
  return { source, target, weight }
}

/**
 * Computes the aggregate: communities, their sums and the community graph with its layout. Returns the graph and
 * each agent's community (the "other" node included).
 */
export const computeAggregate = async (
  dir: string, info: RunInfo, log: (line: string) => void = () => {}
): Promise<{ graph: AggregateGraph; member: Int32Array; edges: EdgeColumns }> => {
  const t0 = performance.now()
  const files = aggregateInputs(dir)
  const from = fingerprint(dir)
  const { agents, edges } = await withDb(async (c) => {
    const agents = await readAgents(c, files.agents, info)
    return { agents, edges: await readEdges(c, files.edges, agents.n) }
  })
  const n = agents.n
  log(`kiln serve: read ${n.toLocaleString("en-US")} agents and ${edges.source.length.toLocaleString("en-US")} edges ` +
    `(${((performance.now() - t0) / 1000).toFixed(1)} s); finding communities…`)
  // Communities: the scenario's groups when every agent has one, else label propagation.
  let everyGroup = agents.groups.length > 0
  for (let i = 0; i < n && everyGroup; i++) if (agents.group[i] === 0) everyGroup = false
  let member: Int32Array
  let found: number
  let K: number
  let other: boolean
  let iterations = 0
  let attached = 0
  let labels: (k: number, first: number) => string
  if (everyGroup) {
    // Groups are named: past the cap, the smallest are shown together as "other".
    const numbered = numberBySize(Int32Array.from(agents.group, (g) => g - 1))
    member = numbered.community
    found = numbered.count
    K = Math.min(found, MAX_COMMUNITIES)
    other = found > MAX_COMMUNITIES
    if (other) for (let i = 0; i < n; i++) if (member[i] >= K - 1) member[i] = K - 1
    labels = (_k, first) => agents.groups[agents.group[first] - 1]
  } else {
    // Label propagation leaves many small communities on graphs without strong structure: past the cap, each joins
    // the shown community it is most tied to, and only those tied to none are "other".
    const csr = buildCsr(n, edges.source, edges.target, edges.weight)
    const lpa = labelPropagation(csr, { seed: info.seed })
    found = lpa.count
    iterations = lpa.iterations
    if (found <= MAX_COMMUNITIES) {
      member = lpa.community
      K = found
      other = false
    } else {
      const a = attachSmall(csr, lpa.community, found, MAX_COMMUNITIES - 1)
      member = a.community
      attached = a.attached
      other = a.rest > 0
      K = MAX_COMMUNITIES - (other ? 0 : 1)
    }
    labels = (k) => `community ${k + 1}`
  }
  // Sums per community, one pass over the agents.
  const B = agents.beliefs.length
  const M = agents.memes.length
  const count = new Float64Array(K)
  const energy = new Float64Array(K)
  const belief = new Float64Array(K * B)
  const memeCount = new Float64Array(K * (M + 1))
  const first = new Int32Array(K).fill(-1)
  for (let i = 0; i < n; i++) {
    const k = member[i]
    if (count[k]++ === 0) first[k] = i
    energy[k] += agents.energy[i]
    for (let b = 0; b < B; b++) belief[k * B + b] += agents.beliefs[b][i]
    const m = agents.meme[i]
    memeCount[k * (M + 1) + (m < 0 ? M : m)]++
  }
  // Summed weights between and inside communities.
  const between = new Float64Array(K * K)
  const internal = new Float64Array(K)
  for (let e = 0; e < edges.source.length; e++) {
    const a = member[edges.source[e]]
    const b = member[edges.target[e]]
    const w = edges.weight[e]
    if (a === b) internal[a] += w
    else between[a < b ? a * K + b : b * K + a] += w
  }
  const linkSet = new Set<number>()
  const others: number[] = []
  for (let a = 0; a < K; a++) {
    others.length = 0
    for (let b = 0; b < K; b++) if (b !== a && between[a < b ? a * K + b : b * K + a] !== 0) others.push(b)
    others.sort((x, y) => Math.abs(between[a < y ? a * K + y : y * K + a]) - Math.abs(between[a < x ? a * K + x : x * K + a]) || x - y)
    for (const b of others.slice(0, LINKS_PER_COMMUNITY)) linkSet.add(a < b ? a * K + b : b * K + a)
  }
  const links = [...linkSet].sort((x, y) => x - y).map((p) => [Math.floor(p / K), p % K, between[p]] as const)
  const xy = await computeLayout(
    { n: K, source: Int32Array.from(links, (l) => l[0]), target: Int32Array.from(links, (l) => l[1]) },
    { seed: info.seed ^ SEED_SALT, worker: false }
  )
  const communities: CommunityNode[] = Array.from({ length: K }, (_, k) => ({
    id: k,
    label: other && k === K - 1
      ? `other (${(everyGroup ? found - K + 1 : found - (K - 1) - attached).toLocaleString("en-US")} communities${everyGroup ? "" : " tied to none shown"})`
      : labels(k, first[k]),
    members: count[k],
    energy: count[k] > 0 ? energy[k] / count[k] : 0,
    beliefs: Array.from({ length: B }, (_, b) => (count[k] > 0 ? belief[k * B + b] / count[k] : 0)),
    memes: Array.from({ length: M + 1 }, (_, m) => (count[k] > 0 ? memeCount[k * (M + 1) + m] / count[k] : 0)),
    internal: internal[k],
    x: xy[2 * k],
    y: xy[2 * k + 1]
  }))
  const graph: AggregateGraph = {
    version: VERSION,
    agents: n,
    edges: edges.source.length,
    method: everyGroup ? "groups" : "label-propagation",
    iterations,
    found,
    attached,
    other,
    memes: agents.memes,
    beliefs: agents.beliefNames,
    communities,
    links,
    seconds: (performance.now() - t0) / 1000,
    from
  }
  return { graph, member, edges }
}

/** The cached aggregate when it was computed from the files as they are now. */
const readCache = (dir: string): { graph: AggregateGraph; member: Int32Array } | undefined => {
  const files = cacheFiles(dir)
  if (!existsSync(files.json) || !existsSync(files.members)) return undefined
  try {
    const graph = JSON.parse(readFileSync(files.json, "utf8")) as AggregateGraph
    if (graph.version !== VERSION || JSON.stringify(graph.from) !== JSON.stringify(fingerprint(dir))) return undefined
    const bytes = readFileSync(files.members)
    if (bytes.byteLength !== 4 * graph.agents) return undefined
    const member = new Int32Array(graph.agents)
    new Uint8Array(member.buffer).set(bytes)
    return { graph, member }
  } catch {
    return undefined
  }
}


/** The aggregate of a run directory, with drill-down; built by `openAggregate`. */
export class Aggregate {
  private readonly json: string
  private edges: Promise<EdgeColumns> | undefined
  private readonly drills = new Map<number, Promise<string>>()

  constructor(
    readonly dir: string,
    readonly info: RunInfo,
    readonly graph: AggregateGraph,
    /** community of each agent */
    readonly member: Int32Array,
    edges?: EdgeColumns
  ) {
    this.json = JSON.stringify(graph)
    if (edges) this.edges = Promise.resolve(edges)
  }

  /** GET /api/aggregate */
  toJson(): string {
    return this.json
  }

  private loadEdges(): Promise<EdgeColumns> {
    this.edges ??= withDb((c) => readEdges(c, aggregateInputs(this.dir).edges, this.graph.agents))
    return this.edges
  }

  /** GET /api/community/<k>: the community's agents (at most DRILL_CAP, by degree inside it) as JSON, cached. */
  drill(k: number): Promise<string> | undefined {
    if (!Number.isInteger(k) || k < 0 || k >= this.graph.communities.length) return undefined
    let p = this.drills.get(k)
    if (p === undefined) {
      p = this.computeDrill(k).then((d) => JSON.stringify(d))
      p.catch(() => this.drills.delete(k))
      this.drills.set(k, p)
    }
    return p
  }

  private async computeDrill(k: number): Promise<Drill> {
    const { member } = this
    const n = this.graph.agents
    const edges = await this.loadEdges()
    // Degree inside the community, then the best-connected members (ties: agent order).
    const degree = new Uint32Array(n)
    let members = 0
    for (let i = 0; i < n; i++) if (member[i] === k) members++
    for (let e = 0; e < edges.source.length; e++) {
      const s = edges.source[e]
      const t = edges.target[e]
      if (member[s] === k && member[t] === k && s !== t) {
        degree[s]++
        degree[t]++
      }
    }
    const all = new Uint32Array(members)
    for (let i = 0, j = 0; i < n; i++) if (member[i] === k) all[j++] = i
    const chosen = members > DRILL_CAP ? all.sort((a, b) => degree[b] - degree[a] || a - b).slice(0, DRILL_CAP).sort() : all
    const shown = chosen.length
    const local = new Map<number, number>()
    chosen.forEach((i, j) => local.set(i, j))
    const source: number[] = []
    const target: number[] = []
    for (let e = 0; e < edges.source.length; e++) {
      const a = local.get(edges.source[e])
      if (a === undefined) continue
      const b = local.get(edges.target[e])
      if (b === undefined || a === b) continue
      source.push(a)
      target.push(b)
    }
    // The chosen agents' attributes, by row number.
    const keys = new Array<string>(shown).fill("")
    const group = new Array<string>(shown).fill("")
    const energy = new Array<number>(shown).fill(0)
    const attachment = new Array<number>(shown).fill(0)
    const meme = new Array<number>(shown).fill(-1)
    const x = new Array<number>(shown).fill(Number.NaN)
    const y = new Array<number>(shown).fill(Number.NaN)
    const memes = this.graph.memes
    const named = memes.at(-1) === "(other memes)" ? memes.slice(0, -1) : memes
    await withDb(async (c) => {
      const file = aggregateInputs(this.dir).agents
      const columns = (await rows(c, `DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).map((r) => String(r.column_name))
      const col = (name: string, sql: string, fallback: string) => (columns.includes(name) ? sql : fallback)
      await c.run(`CREATE TEMP TABLE chosen AS SELECT unnest([${Array.from(chosen).join(",") || "NULL"}]::BIGINT[]) AS r`)
      await stream(
        c,
        `SELECT file_row_number::BIGINT, ${col("id", "id::VARCHAR", "file_row_number::VARCHAR")}, ${col("group", `coalesce("group", '')`, "''")}, ` +
          `${col("energy", "coalesce(energy, 0)::DOUBLE", "0::DOUBLE")}, ${col("attachment", "coalesce(attachment, 0)::DOUBLE", "0::DOUBLE")}, ` +
          `${col("meme", `CASE WHEN meme IS NULL OR meme = '' THEN -1 ELSE coalesce(list_position(${sqlList(named)}, meme), ${memes.length}) - 1 END`, "-1")}::INTEGER, ` +
          `${col("x", "x::DOUBLE", "NULL::DOUBLE")}, ${col("y", "y::DOUBLE", "NULL::DOUBLE")} ` +
          `FROM read_parquet(${sqlString(file)}, file_row_number = true) WHERE file_row_number IN (SELECT r FROM chosen)`,
        (get, count) => {
          for (let r = 0; r < count; r++) {
            const j = local.get(Number(get(0, r)))
            if (j === undefined) continue
            keys[j] = String(get(1, r))
            group[j] = String(get(2, r))
            energy[j] = get(3, r) as number
            attachment[j] = get(4, r) as number
            meme[j] = get(5, r) as number
            x[j] = (get(6, r) as number | null) ?? Number.NaN
            y[j] = (get(7, r) as number | null) ?? Number.NaN
          }
        }
      )
    })
    // Positions from the run's own layout when it has one; else the community is laid out now.
    const laidOut = shown > 0 && x.every(Number.isFinite) && y.every(Number.isFinite)
    if (!laidOut) {
      const xy = await computeLayout({ n: shown, source: Int32Array.from(source), target: Int32Array.from(target) },
        { seed: this.info.seed ^ k, iterations: drillIterations(shown) })
      for (let j = 0; j < shown; j++) {
        x[j] = xy[2 * j]
        y[j] = xy[2 * j + 1]
      }
    }
    return {
      community: k, label: this.graph.communities[k].label, members, shown, edgesShown: source.length,
      positions: laidOut ? "layout" : "computed", index: Array.from(chosen), keys, group, energy, attachment, meme, x, y, source, target
    }
  }
}

/**
 * The aggregate of a run directory: read from its cache (`.aggregate.json` and `.aggregate-members.bin`, hidden,
 * written to a temporary name and renamed) when that was computed from the same agents.parquet and edges.parquet,
 * else computed and cached.
 */
export const openAggregate = async (dir: string, info: RunInfo, log: (line: string) => void = () => {}): Promise<Aggregate> => {
  const cached = readCache(dir)
  if (cached) return new Aggregate(dir, info, cached.graph, cached.member)
  log(`kiln serve: ${dir} has ${info.agents.toLocaleString("en-US")} agents; computing its communities (once; cached in ${cacheFiles(dir).json})…`)
  const { graph, member, edges } = await computeAggregate(dir, info, log)
  const files = cacheFiles(dir)
  writeFileAtomic(files.members, new Uint8Array(member.buffer, member.byteOffset, member.byteLength))
  writeFileAtomic(files.json, JSON.stringify(graph))
  log(`kiln serve: ${graph.communities.length} communities (${graph.method}, ${graph.found} found` +
    `${graph.attached > 0 ? `, ${graph.attached} small ones joined to the one they are most tied to` : ""}${graph.other ? `; ${graph.communities.at(-1)!.label}` : ""}) in ${graph.seconds.toFixed(1)} s`)
  return new Aggregate(dir, info, graph, member, edges)
}
