// The viewer's node positions: ForceAtlas2 run once from seeded, community-grouped start positions.
// Large graphs are laid out in a worker thread so a live run keeps stepping meanwhile.
import { startWorker } from "../run/worker-thread.js"
import { UndirectedGraph } from "graphology"
import * as fa2Module from "graphology-layout-forceatlas2"
import * as louvainModule from "graphology-communities-louvain"
import { makeStream } from "../model/rng.js"

/** What the layout needs of a social graph (a SocialGraph qualifies). */
export interface LayoutInput {
  readonly n: number
  readonly source: Int32Array
  readonly target: Int32Array
}

export interface LayoutOptions {
  /** seeds the community detection and the start positions (default 1) */
  readonly seed?: number
  /** ForceAtlas2 iterations (default: `defaultIterations(n)`) */
  readonly iterations?: number
}

/** Above this many agents `computeLayout` runs in a worker thread. */
export const WORKER_THRESHOLD = 5000

const LAYOUT_SALT = 0x6c61796f

/** Fewer iterations for larger graphs: the community start already places nodes near their end positions. */
export const defaultIterations = (n: number): number => (n <= 5000 ? 200 : n <= 20000 ? 100 : 50)

// The packages are CommonJS with `export default` typings: the callable is the module or its default.
const interop = <T>(m: unknown): T => ((m as { default?: T }).default ?? m) as T
type FA2 = (typeof import("graphology-layout-forceatlas2"))["default"]
type Louvain = (typeof import("graphology-communities-louvain"))["default"]
const forceAtlas2 = interop<FA2>(fa2Module)
const louvain = interop<Louvain>(louvainModule)

/**
 * Positions as x,y pairs (Float32Array of length 2n). Deterministic for a given graph and seed.
 * Communities (Louvain) start as discs placed on a sunflower spiral, biggest first, so ForceAtlas2
 * only has to refine them and communities stay together.
 */
export const layoutGraph = (g: LayoutInput, o: LayoutOptions = {}): Float32Array => {
  const seed = o.seed ?? 1
  const graph = new UndirectedGraph({ allowSelfLoops: false })
  for (let i = 0; i < g.n; i++) graph.addNode(String(i))
  for (let e = 0; e < g.source.length; e++) {
    if (g.source[e] !== g.target[e]) graph.mergeEdge(String(g.source[e]), String(g.target[e]))
  }
  const rand = makeStream(seed, LAYOUT_SALT)
  const community = graph.size > 0 ? louvain(graph, { rng: rand, getEdgeWeight: null }) : {}
  const members = new Map<number, number[]>()
  for (let i = 0; i < g.n; i++) {
    const c = community[String(i)] ?? -1 - i
    const list = members.get(c)
    if (list) list.push(i)
    else members.set(c, [i])
  }
  const groups = [...members.values()].sort((a, b) => b.length - a.length || a[0] - b[0])
  const golden = Math.PI * (3 - Math.sqrt(5))
  const spacing = 2.5 * Math.sqrt(groups[0]?.length ?? 1)
  groups.forEach((list, k) => {
    const r = spacing * Math.sqrt(k)
    const cx = r * Math.cos(k * golden)
    const cy = r * Math.sin(k * golden)
    const radius = Math.sqrt(list.length)
    for (const i of list) {
      const a = 2 * Math.PI * rand()
      const d = radius * Math.sqrt(rand())
      graph.mergeNodeAttributes(String(i), { x: cx + d * Math.cos(a), y: cy + d * Math.sin(a) })
    }
  })
  if (graph.size > 0) {
    forceAtlas2.assign(graph, {
      iterations: o.iterations ?? defaultIterations(g.n),
      getEdgeWeight: null,
      settings: { ...forceAtlas2.inferSettings(graph), outboundAttractionDistribution: true, barnesHutOptimize: g.n > 1000 }
    })
  }
  const xy = new Float32Array(2 * g.n)
  graph.forEachNode((key, a) => {
    const i = Number(key)
    xy[2 * i] = a.x as number
    xy[2 * i + 1] = a.y as number
  })
  return xy
}

/** The message a layout worker receives. */
export interface LayoutJob {
  readonly n: number
  readonly source: Int32Array
  readonly target: Int32Array
  readonly options: LayoutOptions
}

/** `layoutGraph` off the main thread when the graph is large (or `worker` is true). */
export const computeLayout = (g: LayoutInput, o: LayoutOptions & { readonly worker?: boolean } = {}): Promise<Float32Array> => {
  const { worker = g.n > WORKER_THRESHOLD, ...options } = o
  if (!worker) return Promise.resolve().then(() => layoutGraph(g, options))
  return new Promise((resolve, reject) => {
    const w = startWorker(import.meta.url, "layout-worker")
    const done = (f: () => void) => {
      w.removeAllListeners()
      void w.terminate()
      f()
    }
    w.on("message", (xy: Float32Array) => done(() => resolve(xy)))
    w.on("error", (e: Error) => done(() => reject(new Error(`kiln/layout: the layout worker failed: ${e.message}`))))
    w.on("exit", (code: number) => done(() => reject(new Error(`kiln/layout: the layout worker exited with code ${code}`))))
    const job: LayoutJob = { n: g.n, source: g.source, target: g.target, options }
    w.postMessage(job)
  })
}
