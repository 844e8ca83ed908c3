// The memory a run needs, estimated from the scenario alone, so that an impossible size fails before anything is built.
//
// Two budgets: typed arrays (the graph's edge list, the CSR index, agent state — off the JavaScript heap) and
// JavaScript objects (node keys, the graphology graph and tables written as outputs — on the V8 heap, whose limit
// is lower than the machine's memory). Hard limits of the engine are checked too: a typed array holds at most
// 2^32 - 1 elements and the CSR index counts neighbours in Int32.
import { totalmem } from "node:os"
import { getHeapStatistics } from "node:v8"
import { InputError } from "../errors.js"
import type { Scenario } from "../scenario/schema.js"
import { beliefList } from "../model/world.js"
import { GRAPH_JSON_MAX_AGENTS } from "../io/run-dir.js"

/** Agents and edges (undirected pairs, or arcs when directed) of a graph. */
export interface GraphShape {
  readonly n: number
  readonly edges: number
  readonly directed: boolean
}

/** Memory available to a run: the machine's memory and the V8 heap limit, in bytes. */
export interface Limits {
  readonly memory: number
  readonly heap: number
}

export const systemLimits = (): Limits => ({ memory: totalmem(), heap: getHeapStatistics().heap_size_limit })

/** What a run needs, in bytes, with the scenario path each part grows with. */
export interface Estimate {
  readonly memory: number
  readonly heap: number
  readonly parts: ReadonlyArray<{ readonly what: string; readonly path: string; readonly bytes: number; readonly heap: number }>
}

const MAX_TYPED_LENGTH = 2 ** 32 - 1
const MAX_INT32 = 2 ** 31 - 1

/** Agents and edges of a generated graph from its parameters (expected edges for random graphs); undefined for files. */
export const graphShape = (s: Scenario): GraphShape | undefined => {
  const g = s.graph
  const pairs = (k: number) => (k * (k - 1)) / 2
  switch (g.kind) {
    case "complete":
      return { n: g.n, edges: pairs(g.n), directed: false }
    case "lattice":
      return { n: g.rows * g.cols, edges: 2 * g.rows * g.cols, directed: false }
    case "erdosRenyi":
      return { n: g.n, edges: g.p * pairs(g.n), directed: false }
    case "wattsStrogatz":
      return { n: g.n, edges: (g.n * g.k) / 2, directed: false }
    case "barabasiAlbert":
      return { n: g.n, edges: pairs(g.m + 1) + Math.max(0, g.n - g.m - 1) * g.m, directed: false }
    case "stochasticBlock": {
      const n = g.sizes.reduce((a, b) => a + b, 0)
      const within = g.sizes.reduce((a, b) => a + pairs(b), 0)
      return { n, edges: g.pIn * within + g.pOut * (pairs(n) - within), directed: false }
    }
    case "connectedCaveman":
      return { n: g.caves * g.size, edges: g.caves * pairs(g.size), directed: false }
    case "file":
      return undefined
  }
}

/** The scenario field a graph's size comes from, for messages. */
const graphPath = (s: Scenario): string => {
  const g = s.graph
  switch (g.kind) {
    case "lattice":
      return "graph.rows"
    case "stochasticBlock":
      return "graph.sizes"
    case "connectedCaveman":
      return g.caves > g.size ? "graph.caves" : "graph.size"
    case "file":
      return "graph.path"
    default:
      return "graph.n"
  }
}

/**
 * Bytes per item, measured on Node 20 to within a factor of about 1.5: typed arrays exactly as src/state.ts,
 * src/graph/topology.ts and the generators allocate them; heap objects as graphology and the output tables use them.
 */
export const estimateRun = (s: Scenario, shape: GraphShape): Estimate => {
  const { n, edges } = shape
  const B = beliefList(s).length
  const P = (B * (B - 1)) / 2
  const M = s.memes.length
  const entries = shape.directed ? edges : 2 * edges
  const rows = Math.floor(s.ticks / s.recordEvery) + 2
  const columns = 40 + 4 * B + 4 * M + 2 * s.groups.length + 2 * s.patterns.length
  const graph = graphPath(s)
  const parts = [
    // edge list (source, target, weight) with the generators' growth slack, then the CSR index and its weights
    { what: "edges", path: graph, bytes: 20 * edges + 8 * entries, heap: 0 },
    // couplings n×P Float32; spins, observations, dispositions, content fields n×B; salience and hosts n×M
    { what: "belief couplings", path: "beliefs", bytes: 4 * n * P, heap: 0 },
    { what: "agent state", path: graph, bytes: n * (10 * B + 5 * M + 200), heap: 0 },
    ...memeVariantParts(s, n, B),
    // node keys are JS strings; graph.json (small graphs only) goes through a graphology graph and a string
    { what: "node keys", path: graph, bytes: 0, heap: 40 * n },
    ...(n <= GRAPH_JSON_MAX_AGENTS ? [{ what: "graph.json", path: graph, bytes: 0, heap: n * (700 + 16 * B) + 450 * edges }] : []),
    // agents.parquet and edges.parquet pass through DuckDB tables in native memory
    { what: "agents table", path: graph, bytes: n * (16 + 8 * (6 + B + 2 * M)), heap: 0 },
    { what: "edges table", path: graph, bytes: 16 * edges, heap: 0 },
    { what: "metrics table", path: "ticks", bytes: 0, heap: rows * columns * 36 }
  ]
  return {
    memory: parts.reduce((a, p) => a + p.bytes + p.heap, 0),
    heap: parts.reduce((a, p) => a + p.heap, 0),
    parts: parts.map((p) => ({ ...p, bytes: p.bytes + p.heap }))
  }
}

/**
 * Meme evolution: per agent K slots (variant, salience, offer) and a birth buffer (parent, traits, content); per
 * table row traits, content and size; on the heap, a lineage record per variant born (bounded here by the table).
 */
const memeVariantParts = (s: Scenario, n: number, B: number) => {
  const v = s.evolution.memes
  if (!v) return []
  return [
    { what: "meme variants", path: "evolution.memes.slots", bytes: n * (12 * v.slots + 28 + B) + v.capacity * (28 + B), heap: v.capacity * (200 + 2 * B) }
  ]
}

const GB = 2 ** 30

/** 1.2 GB, 350 MB, 12 kB. */
export const formatBytes = (bytes: number): string => {
  const units: Array<[number, string]> = [[2 ** 40, "TB"], [GB, "GB"], [2 ** 20, "MB"], [2 ** 10, "kB"]]
  for (const [size, unit] of units) if (bytes >= size) return `${(bytes / size).toPrecision(3).replace(/\.?0+$/, "")} ${unit}`
  return `${Math.round(bytes)} bytes`
}

const count = (x: number): string => Math.round(x).toLocaleString("en-US")

/**
 * Refuses a run that cannot fit, before anything is built: InputError naming the scenario field the size
 * comes from, what it would need and what there is.
 */
export const checkResources = (s: Scenario, shape: GraphShape, file: string, limits: Limits = systemLimits()): void => {
  const { n, edges } = shape
  const graph = graphPath(s)
  const size = `${count(n)} agents and ${count(edges)} ${shape.directed ? "arcs" : "edges"}`
  const fail = (path: string, message: string): never => {
    throw new InputError({ file, path, message })
  }
  const B = beliefList(s).length
  const entries = shape.directed ? edges : 2 * edges
  if (entries > MAX_INT32) {
    fail(graph, `${size} need ${count(entries)} neighbour entries; the engine's index holds at most ${count(MAX_INT32)}`)
  }
  if (n * ((B * (B - 1)) / 2) > MAX_TYPED_LENGTH) {
    fail("beliefs", `${count(n)} agents × ${B} beliefs need ${count((n * B * (B - 1)) / 2)} couplings; a typed array holds at most ${count(MAX_TYPED_LENGTH)}`)
  }
  const need = estimateRun(s, shape)
  const largest = (key: "bytes" | "heap") => [...need.parts].sort((a, b) => b[key] - a[key])[0].path
  const rows = Math.floor(s.ticks / s.recordEvery) + 1
  const what = (path: string) => (path === "ticks" ? `${count(rows)} recorded ticks (ticks / recordEvery)` : size)
  const detail = (key: "bytes" | "heap", total: number) =>
    need.parts.filter((p) => p[key] >= total / 20).map((p) => `${p.what} ${formatBytes(p[key])}`).join(", ")
  if (need.memory > limits.memory) {
    fail(largest("bytes"), `${what(largest("bytes"))} need about ${formatBytes(need.memory)} of memory (${detail("bytes", need.memory)}); this machine has ${formatBytes(limits.memory)}`)
  }
  if (need.heap > limits.heap) {
    fail(largest("heap"), `${what(largest("heap"))} need about ${formatBytes(need.heap)} of JavaScript heap for the graph and outputs (${detail("heap", need.heap)}); ` +
      `this process may use ${formatBytes(limits.heap)} (raise it with NODE_OPTIONS=--max-old-space-size=${Math.ceil((need.heap * 1.25) / 2 ** 20)})`)
  }
}
