// Compiles a social graph into the engine's CSR index (who each agent observes) and a chromatic schedule.
import type { SocialGraph } from "./social-graph.js"

/**
 * CSR adjacency of observations: agent i observes `neighbours[offsets[i]..offsets[i+1])` with weights w_ij.
 * Colour classes: `order[classStart[c]..classStart[c+1])` are the agents of colour c (ascending ids);
 * no two agents of one class are linked in either direction, so a class updates in parallel exactly.
 */
export interface Topology {
  readonly n: number
  readonly offsets: Int32Array
  readonly neighbours: Int32Array
  readonly weights: Float32Array
  readonly order: Int32Array
  readonly classStart: Int32Array
  readonly degree: Int32Array
}

export const compileTopology = (g: SocialGraph, shared = false): Topology => {
  const { n, source, target, weight } = g
  const m = source.length
  const degree = new Int32Array(n)
  for (let e = 0; e < m; e++) {
    degree[target[e]]++
    if (!g.directed) degree[source[e]]++
  }
  const offsets = alloc(Int32Array, n + 1, shared)
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + degree[i]
  const neighbours = alloc(Int32Array, offsets[n], shared)
  const weights = alloc(Float32Array, offsets[n], shared)
  const fill = offsets.slice(0, n)
  const put = (i: number, j: number, w: number) => {
    neighbours[fill[i]] = j
    weights[fill[i]++] = w
  }
  for (let e = 0; e < m; e++) {
    put(target[e], source[e], weight[e])
    if (!g.directed) put(source[e], target[e], weight[e])
  }
  const { order, classStart } = colour(g, offsets, neighbours, shared)
  return { n, offsets, neighbours, weights, order, classStart, degree }
}

/** Greedy colouring in order of decreasing degree (Welsh–Powell), ties by id: deterministic and few colours. */
const colour = (g: SocialGraph, offsets: Int32Array, neighbours: Int32Array, shared: boolean) => {
  const { n } = g
  // A directed edge constrains both ends, so colour on the symmetric closure.
  const sym = g.directed ? symmetric(g) : { offsets, neighbours }
  const byDegree = byDecreasingDegree(n, sym.offsets)
  const colourOf = new Int32Array(n).fill(-1)
  const mark = new Int32Array(n + 1).fill(-1)
  let colours = 0
  for (const i of byDegree) {
    for (let e = sym.offsets[i]; e < sym.offsets[i + 1]; e++) {
      const c = colourOf[sym.neighbours[e]]
      if (c >= 0) mark[c] = i
    }
    let c = 0
    while (mark[c] === i) c++
    colourOf[i] = c
    if (c + 1 > colours) colours = c + 1
  }
  const classStart = alloc(Int32Array, colours + 1, shared)
  for (let i = 0; i < n; i++) classStart[colourOf[i] + 1]++
  for (let c = 0; c < colours; c++) classStart[c + 1] += classStart[c]
  const order = alloc(Int32Array, n, shared)
  const next = classStart.slice(0, colours)
  for (let i = 0; i < n; i++) order[next[colourOf[i]]++] = i
  return { order, classStart }
}

/** Agents by decreasing degree, ties by increasing id: a counting sort (a comparison sort of a million ids takes seconds). */
export const byDecreasingDegree = (n: number, offsets: Int32Array): Int32Array => {
  let max = 0
  for (let i = 0; i < n; i++) max = Math.max(max, offsets[i + 1] - offsets[i])
  // start[d]: where agents of degree d begin, the largest degree first
  const start = new Int32Array(max + 2)
  for (let i = 0; i < n; i++) start[max - (offsets[i + 1] - offsets[i]) + 1]++
  for (let d = 0; d <= max; d++) start[d + 1] += start[d]
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[start[max - (offsets[i + 1] - offsets[i])]++] = i
  return out
}

/** Adjacency ignoring direction, for colouring directed graphs. */
const symmetric = (g: SocialGraph) => {
  const deg = new Int32Array(g.n + 1)
  for (let e = 0; e < g.source.length; e++) {
    deg[g.source[e] + 1]++
    deg[g.target[e] + 1]++
  }
  for (let i = 0; i < g.n; i++) deg[i + 1] += deg[i]
  const offsets = deg
  const neighbours = new Int32Array(offsets[g.n])
  const fill = offsets.slice(0, g.n)
  for (let e = 0; e < g.source.length; e++) {
    neighbours[fill[g.source[e]]++] = g.target[e]
    neighbours[fill[g.target[e]]++] = g.source[e]
  }
  return { offsets, neighbours }
}

type TypedCtor<T> = { new (length: number): T; new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number }

/** A zeroed typed array of exactly `length` elements, in a SharedArrayBuffer when workers will read it. */
export const alloc = <T>(ctor: TypedCtor<T>, length: number, shared: boolean): T =>
  shared ? new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT)) : new ctor(length)
