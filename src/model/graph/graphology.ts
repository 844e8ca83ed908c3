// Conversion between SocialGraph and graphology: files are read through graphology, outputs exported with it.
// Named classes rather than the default export: under NodeNext the default import types as the module object.
import { DirectedGraph, UndirectedGraph } from "graphology"
import type { AbstractGraph, Attributes } from "graphology-types"
import { InputError } from "../../errors.js"
import type { SocialGraph } from "./social-graph.js"

/** A graphology graph of g: node attribute `group` (its name, when the agent has one) and edge attribute `weight`. */
export const toGraphology = (g: SocialGraph, nodeAttributes?: (i: number) => Record<string, unknown>): AbstractGraph => {
  const graph = g.directed ? new DirectedGraph({ allowSelfLoops: false }) : new UndirectedGraph({ allowSelfLoops: false })
  for (let i = 0; i < g.n; i++) {
    const group = g.group[i] >= 0 ? { group: g.groupNames[g.group[i]] } : {}
    graph.addNode(g.keys[i], { ...nodeAttributes?.(i), ...group })
  }
  // Edge keys are their indices so that exports are identical from run to run.
  for (let e = 0; e < g.source.length; e++) {
    graph.addEdgeWithKey(String(e), g.keys[g.source[e]], g.keys[g.target[e]], { weight: g.weight[e] })
  }
  return graph
}

/** The SocialGraph of a graph read from `file`; agents follow the graph's node order, edges its edge order. */
export const fromGraphology = (graph: AbstractGraph, file: string): SocialGraph => {
  if (graph.order === 0) throw new InputError({ file, path: "nodes", message: "the graph has no nodes; expected at least one" })
  const directed = isDirected(graph, file)
  const nodes = readNodes(graph, file)
  const edges = readEdges(graph, nodes.index, directed, file)
  return { n: graph.order, directed, ...edges, keys: nodes.keys, group: nodes.group, groupNames: nodes.groupNames }
}

/** Directed or undirected; a mixed graph must in fact hold one kind of edge only. */
const isDirected = (graph: AbstractGraph, file: string): boolean => {
  if (graph.type !== "mixed") return graph.type === "directed"
  if (graph.directedSize === 0 || graph.undirectedSize === 0) return graph.directedSize > 0
  let firstUndirected: boolean | undefined
  let e = -1
  graph.findEdge((_key, _attributes, _source, _target, _sa, _ta, undirected) => {
    e++
    firstUndirected ??= undirected
    return undirected !== firstUndirected
  })
  throw new InputError({
    file,
    path: `edges[${e}]`,
    message: `is ${firstUndirected ? "directed" : "undirected"} but earlier edges are not; expected all edges directed or all undirected`,
  })
}

const describe = (value: unknown): string => (typeof value === "number" ? String(value) : JSON.stringify(value) ?? String(value))

/** A group name from a node's `group` attribute, or undefined for none (absent or blank). */
const groupName = (value: unknown, file: string, path: string): string | undefined => {
  if (value === undefined || value === null) return undefined
  if (typeof value === "number" && Number.isFinite(value)) return String(value)
  if (typeof value === "string") return value.trim() === "" ? undefined : value
  throw new InputError({ file, path, message: `expected a group name (string or number), got ${describe(value)}` })
}

const readNodes = (graph: AbstractGraph, file: string) => {
  const keys: string[] = []
  const index = new Map<string, number>()
  const group = new Int32Array(graph.order)
  const groupIndex = new Map<string, number>()
  graph.forEachNode((key, attributes: Attributes) => {
    const i = keys.length
    const name = groupName(attributes.group, file, `nodes[${i}].attributes.group`)
    if (name !== undefined && !groupIndex.has(name)) groupIndex.set(name, groupIndex.size)
    group[i] = name === undefined ? -1 : groupIndex.get(name)!
    keys.push(key)
    index.set(key, i)
  })
  return { keys, index, group, groupNames: [...groupIndex.keys()] }
}

/** An edge weight: absent means 1; numbers and numeric strings (XML attribute values) must be finite. */
export const parseWeight = (value: unknown): number | undefined => {
  if (value === undefined || value === null) return 1
  const w = typeof value === "string" && value.trim() !== "" ? Number(value) : value
  return typeof w === "number" && Number.isFinite(w) ? w : undefined
}

const readEdges = (graph: AbstractGraph, index: Map<string, number>, directed: boolean, file: string) => {
  const n = graph.order
  const source = new Int32Array(graph.size)
  const target = new Int32Array(graph.size)
  const weight = new Float32Array(graph.size)
  // Pair keys a*n+b are exact doubles up to n ≈ 9e7 nodes, far beyond what a file holds.
  const seen = new Set<number>()
  let e = 0
  graph.forEachEdge((_key, attributes: Attributes, s, t) => {
    const a = index.get(s)!
    const b = index.get(t)!
    if (a === b) throw new InputError({ file, path: `edges[${e}]`, message: `is a self-loop on node "${s}"; expected two distinct nodes` })
    const pair = directed || a < b ? a * n + b : b * n + a
    if (seen.has(pair)) throw new InputError({ file, path: `edges[${e}]`, message: `repeats the edge "${s}"–"${t}"; expected at most one edge per pair` })
    seen.add(pair)
    const w = parseWeight(attributes.weight)
    if (w === undefined) throw new InputError({ file, path: `edges[${e}].attributes.weight`, message: `expected a finite number, got ${describe(attributes.weight)}` })
    source[e] = a
    target[e] = b
    weight[e] = w
    e++
  })
  return { source, target, weight }
}
