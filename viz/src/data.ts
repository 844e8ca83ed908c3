// Loading what the server offers: scenario facts, the laid-out graph, metrics and frames (or a stand-in frame).
import Graph from "graphology"
import { decodeFrames, type Frames } from "../../src/io/frames-format"
import type { RunInfo } from "../../src/serve/info"

/** GET /api/info: the run's names and scales, and whether it is live. */
export interface Info extends RunInfo {
  readonly mode: "run" | "live"
  /** live mode: the run's pace in ticks per second (0: no limit) */
  readonly rate?: number
}

export interface Metrics {
  readonly columns: ReadonlyArray<string>
  readonly rows: Array<ReadonlyArray<number>>
}

/** The state of every node at one tick, as colour modes read it. */
export interface NodeState {
  readonly tick: number
  readonly energy: Float32Array
  readonly attachment: Float32Array
  readonly meme: Int8Array
  /** packed beliefs, ⌈B/8⌉ bytes per node; absent when the run has no frames */
  readonly beliefs?: Uint8Array
  /** lineage id of each node's dominant carried variant (-1 none); only when memes evolve */
  readonly lineage?: Int32Array
  /** the values of each plugin array the frames carry, in the order of their declarations */
  readonly pluginState?: ReadonlyArray<Float32Array>
}

const get = async (url: string): Promise<Response> => {
  const res = await fetch(url, { cache: "no-cache" })
  if (!res.ok) throw new Error(`kiln viewer: GET ${url} answered ${res.status} ${res.statusText}`)
  return res
}

export const fetchJson = async <A>(url: string): Promise<A> => (await get(url)).json() as Promise<A>
export const fetchFrames = async (url: string): Promise<Frames> => decodeFrames(await (await get(url)).arrayBuffer())

/** Whether `url` exists (HEAD). */
export const exists = async (url: string): Promise<boolean> => (await fetch(url, { method: "HEAD", cache: "no-cache" })).ok

/** metrics.csv: a header, then numbers. */
export const parseCsv = (text: string): Metrics => {
  const lines = text.split("\n").filter((l) => l.length > 0)
  const columns = (lines[0] ?? "").split(",").map((c) => c.replace(/^"|"$/g, ""))
  const rows = lines.slice(1).map((l) => l.split(",").map(Number))
  return { columns, rows }
}

export const fetchMetrics = async (url: string): Promise<Metrics> => parseCsv(await (await get(url)).text())

/** The laid-out graph (nodes only) and its edges as agent-index pairs. */
export interface LoadedGraph {
  readonly graph: Graph
  readonly source: Int32Array
  readonly target: Int32Array
}

/**
 * The graph with its layout; each node gets `i`, its agent index (file order), and `g`, its group index.
 * Edges are taken out of the graph into index arrays: they are drawn as a static layer (edge-layer.ts),
 * and sigma then has only nodes to index and draw.
 */
export const fetchGraph = async (url: string, info: Info): Promise<LoadedGraph> => {
  const data = await fetchJson<{ nodes: Array<{ key: string }>; edges: Array<{ source: string; target: string }> }>(url)
  const graph = new Graph()
  graph.import({ ...data, edges: [] })
  const groupIndex = new Map(info.groups.map((g, k) => [g, k]))
  const index = new Map<string, number>()
  graph.forEachNode((key, a) => {
    a.i = index.size
    a.g = typeof a.group === "string" ? (groupIndex.get(a.group) ?? -1) : -1
    a.size = 2
    index.set(key, index.size)
  })
  const source = Int32Array.from(data.edges, (e) => index.get(String(e.source)) ?? 0)
  const target = Int32Array.from(data.edges, (e) => index.get(String(e.target)) ?? 0)
  return { graph, source, target }
}

export const stateOf = (frames: Frames, f: number): NodeState => ({
  tick: frames.ticks[f],
  energy: frames.energy(f),
  attachment: frames.attachment(f),
  meme: frames.meme(f),
  beliefs: frames.beliefs(f),
  lineage: frames.lineage?.(f),
  pluginState: frames.pluginState.map((a) => a.values(f))
})

/** A run written without --frames: its final state, from graph.json's node attributes. */
export const finalState = (graph: Graph, info: Info, tick: number): NodeState => {
  const n = graph.order
  const energy = new Float32Array(n)
  const attachment = new Float32Array(n)
  const meme = new Int8Array(n)
  const memeIndex = new Map(info.memes.map((m, k) => [m, k]))
  graph.forEachNode((_key, a) => {
    energy[a.i] = Number(a.energy ?? 0)
    attachment[a.i] = Number(a.attachment ?? 0)
    meme[a.i] = memeIndex.get(String(a.meme ?? "")) ?? -1
  })
  return { tick, energy, attachment, meme }
}

/** A robust upper reference for sizes and the energy ramp: the 98th percentile of a sample of energies. */
export const energyReference = (samples: ArrayLike<number>): number => {
  const step = Math.max(1, Math.floor(samples.length / 4000))
  const xs: number[] = []
  for (let k = 0; k < samples.length; k += step) if (Number.isFinite(samples[k])) xs.push(samples[k])
  xs.sort((a, b) => a - b)
  return Math.max(0.5, xs[Math.floor(0.98 * (xs.length - 1))] ?? 1)
}
