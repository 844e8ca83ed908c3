// Seeded random-graph generators that write SocialGraph edge lists straight into typed arrays.
import { mix32 } from "../rng.js"
import type { SocialGraph } from "./social-graph.js"

/** A uniform generator on [0,1), e.g. `makeStream(seed, salt)`. */
export type Uniform = () => number

/** Group spec for block-structured graphs: a group count (names "g0", "g1", …) or the names themselves. */
export type Groups = number | ReadonlyArray<string>

const check = (ok: boolean, message: string): void => {
  if (!ok) throw new RangeError(message)
}

const isCount = (x: number, min: number): boolean => Number.isSafeInteger(x) && x >= min

const isProbability = (p: number): boolean => p >= 0 && p <= 1

/** Endpoint pairs in growable typed arrays: a million-node graph must not cost one object per edge. */
class EdgeBuffer {
  private source: Int32Array
  private target: Int32Array
  length = 0

  constructor(capacity: number) {
    const size = Math.max(16, Math.ceil(capacity))
    this.source = new Int32Array(size)
    this.target = new Int32Array(size)
  }

  push(a: number, b: number): void {
    if (this.length === this.source.length) this.grow()
    this.source[this.length] = a
    this.target[this.length] = b
    this.length++
  }

  /** Copies out exactly `length` edges so the spare capacity can be collected. */
  finish(): { source: Int32Array; target: Int32Array } {
    if (this.length === this.source.length) return { source: this.source, target: this.target }
    return { source: this.source.slice(0, this.length), target: this.target.slice(0, this.length) }
  }

  private grow(): void {
    const source = new Int32Array(this.source.length * 2)
    const target = new Int32Array(this.target.length * 2)
    source.set(this.source)
    target.set(this.target)
    this.source = source
    this.target = target
  }
}

/** Expected edge count plus slack, so most draws never regrow; capped so an extreme p cannot preallocate gigabytes. */
const estimate = (expected: number): number => Math.min(expected * 1.05 + 64, 2 ** 26)

const defaultKeys = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i))

/** An undirected, unit-weight graph with keys "0".."n-1" and no groups. */
const undirected = (n: number, source: Int32Array, target: Int32Array): SocialGraph => ({
  n,
  directed: false,
  source,
  target,
  weight: new Float32Array(source.length).fill(1),
  keys: defaultKeys(n),
  group: new Int32Array(n).fill(-1),
  groupNames: [],
})

const fromBuffer = (n: number, edges: EdgeBuffer): SocialGraph => {
  const { source, target } = edges.finish()
  return undirected(n, source, target)
}

/** The same graph with agents assigned to groups. */
export const withGroups = (g: SocialGraph, group: Int32Array, names: ReadonlyArray<string>): SocialGraph => {
  check(group.length === g.n, `group has ${group.length} entries for ${g.n} agents`)
  return { ...g, group, groupNames: names }
}

/** First agent index of each block. */
const blockOffsets = (sizes: ReadonlyArray<number>): number[] => {
  let offset = 0
  return sizes.map((size) => (offset += size) - size)
}

/** Block c of `sizes` goes to group c mod the group count; every agent of a block shares its group. */
const blockGroups = (sizes: ReadonlyArray<number>, groups: Groups): { group: Int32Array; names: string[] } => {
  check(typeof groups !== "number" || isCount(groups, 1), `groups must be an integer >= 1, got ${groups}`)
  const names = typeof groups === "number" ? Array.from({ length: groups }, (_, c) => `g${c}`) : [...groups]
  check(names.length >= 1, "groups must name at least one group")
  const group = new Int32Array(sizes.reduce((a, b) => a + b, 0))
  const offsets = blockOffsets(sizes)
  sizes.forEach((size, c) => group.fill(c % names.length, offsets[c], offsets[c] + size))
  return { group, names }
}

/** Number of pairs skipped before the next chosen one when each pair is chosen with probability p (log1mP = ln(1-p)). */
const geometricGap = (rand: Uniform, log1mP: number): number => Math.floor(Math.log(1 - rand()) / log1mP)

/** Each unordered pair of offset..offset+size-1 with probability p, in O(size + edges) (Batagelj–Brandes). */
const sampleWithin = (edges: EdgeBuffer, offset: number, size: number, p: number, rand: Uniform): void => {
  if (p <= 0) return
  const log1mP = Math.log(1 - p)
  let v = 1
  let w = -1
  while (v < size) {
    w += 1 + geometricGap(rand, log1mP)
    while (w >= v && v < size) {
      w -= v
      v++
    }
    if (v < size) edges.push(offset + v, offset + w)
  }
}

/** Each pair (a in block A, b in block B) with probability p, skipping geometrically over the a×b grid. */
const sampleBetween = (edges: EdgeBuffer, offA: number, sizeA: number, offB: number, sizeB: number, p: number, rand: Uniform): void => {
  if (p <= 0) return
  const log1mP = Math.log(1 - p)
  const pairs = sizeA * sizeB
  for (let k = geometricGap(rand, log1mP); k < pairs; k += 1 + geometricGap(rand, log1mP)) {
    edges.push(offA + Math.floor(k / sizeB), offB + (k % sizeB))
  }
}

const pairKey = (n: number, a: number, b: number): number => (a < b ? a * n + b : b * n + a)

const EMPTY = -1
const REMOVED = -2

/**
 * A set of pair keys in one Float64Array with linear probing: for millions of edges a JS Set of
 * (non-small-integer) numbers is several times slower and larger. Removed slots are reused on insert.
 */
class PairSet {
  private readonly slots: Float64Array
  private readonly mask: number

  constructor(expected: number) {
    // Live keys fill at most a third; each edge is rewired at most once, so live plus removed
    // slots stay under two thirds and every probe meets an empty slot.
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, 3 * expected)))
    this.slots = new Float64Array(size).fill(EMPTY)
    this.mask = size - 1
  }

  has(key: number): boolean {
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      if (this.slots[i] === key) return true
      if (this.slots[i] === EMPTY) return false
    }
  }

  add(key: number): void {
    let free = -1
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const slot = this.slots[i]
      if (slot === key) return
      if (slot === REMOVED && free < 0) free = i
      if (slot === EMPTY) {
        this.slots[free < 0 ? i : free] = key
        return
      }
    }
  }

  delete(key: number): void {
    for (let i = this.home(key); this.slots[i] !== EMPTY; i = (i + 1) & this.mask) {
      if (this.slots[i] === key) {
        this.slots[i] = REMOVED
        return
      }
    }
  }

  private home(key: number): number {
    return mix32((key >>> 0) ^ mix32(Math.floor(key / 4294967296))) & this.mask
  }
}

/**
 * Rewires the far end (target) of each edge with probability beta to a uniform node that creates
 * neither a loop nor a duplicate; nodes already linked to everyone keep their edge.
 */
const rewireTargets = (n: number, source: Int32Array, target: Int32Array, beta: number, rand: Uniform): void => {
  if (beta <= 0) return
  const present = new PairSet(source.length)
  const degree = new Int32Array(n)
  for (let e = 0; e < source.length; e++) {
    present.add(pairKey(n, source[e], target[e]))
    degree[source[e]]++
    degree[target[e]]++
  }
  for (let e = 0; e < source.length; e++) {
    const u = source[e]
    if (rand() >= beta || degree[u] >= n - 1) continue
    let w = Math.floor(rand() * n)
    while (w === u || present.has(pairKey(n, u, w))) w = Math.floor(rand() * n)
    present.delete(pairKey(n, u, target[e]))
    present.add(pairKey(n, u, w))
    degree[target[e]]--
    degree[w]++
    target[e] = w
  }
}

/** The complete graph K_n. */
export const complete = (n: number): SocialGraph => {
  check(isCount(n, 1), `complete: n must be an integer >= 1, got ${n}`)
  const edges = new EdgeBuffer((n * (n - 1)) / 2)
  for (let v = 1; v < n; v++) for (let w = 0; w < v; w++) edges.push(v, w)
  return fromBuffer(n, edges)
}

/** A rows×cols 4-neighbour grid; periodic wraps it into a torus (no wrap edge where it would repeat one). */
export const lattice = (rows: number, cols: number, periodic: boolean): SocialGraph => {
  check(isCount(rows, 1) && isCount(cols, 1), `lattice: rows and cols must be integers >= 1, got ${rows}×${cols}`)
  const edges = new EdgeBuffer(2 * rows * cols)
  const wrapCols = periodic && cols > 2
  const wrapRows = periodic && rows > 2
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c
      if (c + 1 < cols) edges.push(i, i + 1)
      else if (wrapCols) edges.push(i, r * cols)
      if (r + 1 < rows) edges.push(i, i + cols)
      else if (wrapRows) edges.push(i, c)
    }
  }
  return fromBuffer(rows * cols, edges)
}

/** G(n, p): every pair independently with probability p, in O(n + m). */
export const erdosRenyi = (n: number, p: number, rand: Uniform): SocialGraph => {
  check(isCount(n, 1), `erdosRenyi: n must be an integer >= 1, got ${n}`)
  check(isProbability(p), `erdosRenyi: p must be in [0, 1], got ${p}`)
  const edges = new EdgeBuffer(estimate((p * n * (n - 1)) / 2))
  sampleWithin(edges, 0, n, p, rand)
  return fromBuffer(n, edges)
}

/** Small world: a ring where each node links to its k nearest neighbours, each far end rewired with probability beta. */
export const wattsStrogatz = (n: number, k: number, beta: number, rand: Uniform): SocialGraph => {
  check(isCount(n, 1), `wattsStrogatz: n must be an integer >= 1, got ${n}`)
  check(isCount(k, 0) && k % 2 === 0 && k < n, `wattsStrogatz: k must be an even integer in [0, n), got ${k}`)
  check(isProbability(beta), `wattsStrogatz: beta must be in [0, 1], got ${beta}`)
  const half = k / 2
  const source = new Int32Array(n * half)
  const target = new Int32Array(n * half)
  // Lap by lap (all distance-1 edges, then distance-2, …) as in the original model.
  for (let j = 1; j <= half; j++) {
    for (let i = 0; i < n; i++) {
      const e = (j - 1) * n + i
      source[e] = i
      target[e] = (i + j) % n
    }
  }
  rewireTargets(n, source, target, beta, rand)
  return undirected(n, source, target)
}

const includesBefore = (xs: Int32Array, end: number, x: number): boolean => {
  for (let i = 0; i < end; i++) if (xs[i] === x) return true
  return false
}

/** Picks m distinct existing nodes, each with probability proportional to degree, from the degree-repeated list. */
const pickDistinct = (repeated: Int32Array, filled: number, m: number, rand: Uniform, out: Int32Array): void => {
  for (let t = 0; t < m; t++) {
    let node: number
    do node = repeated[Math.floor(rand() * filled)]
    while (includesBefore(out, t, node))
    out[t] = node
  }
}

/** Preferential attachment: a complete core of m+1 nodes, then each new node links to m distinct nodes by degree. */
export const barabasiAlbert = (n: number, m: number, rand: Uniform): SocialGraph => {
  check(isCount(m, 1), `barabasiAlbert: m must be an integer >= 1, got ${m}`)
  check(isCount(n, m + 1), `barabasiAlbert: n must be an integer >= m + 1, got ${n}`)
  const total = ((m + 1) * m) / 2 + (n - m - 1) * m
  const edges = new EdgeBuffer(total)
  // Every edge puts both endpoints here once, so a uniform pick is a degree-proportional node.
  const repeated = new Int32Array(2 * total)
  let filled = 0
  const link = (a: number, b: number): void => {
    edges.push(a, b)
    repeated[filled++] = a
    repeated[filled++] = b
  }
  for (let v = 1; v <= m; v++) for (let w = 0; w < v; w++) link(v, w)
  const chosen = new Int32Array(m)
  for (let v = m + 1; v < n; v++) {
    // Targets are drawn before any of v's edges are added, so v's own edges do not bias its picks.
    pickDistinct(repeated, filled, m, rand, chosen)
    for (const w of chosen) link(v, w)
  }
  return fromBuffer(n, edges)
}

/** Stochastic block model: pairs within a block linked with pIn, across blocks with pOut. */
export const stochasticBlock = (
  sizes: ReadonlyArray<number>,
  pIn: number,
  pOut: number,
  rand: Uniform,
  groups: Groups = sizes.length,
): SocialGraph => {
  check(sizes.length >= 1 && sizes.every((s) => isCount(s, 1)), "stochasticBlock: sizes must be integers >= 1")
  check(isProbability(pIn) && isProbability(pOut), `stochasticBlock: pIn and pOut must be in [0, 1], got ${pIn}, ${pOut}`)
  const n = sizes.reduce((a, b) => a + b, 0)
  const within = sizes.reduce((sum, s) => sum + (s * (s - 1)) / 2, 0)
  const edges = new EdgeBuffer(estimate(pIn * within + pOut * ((n * (n - 1)) / 2 - within)))
  const offsets = blockOffsets(sizes)
  sizes.forEach((sizeA, a) => {
    sampleWithin(edges, offsets[a], sizeA, pIn, rand)
    for (let b = a + 1; b < sizes.length; b++) sampleBetween(edges, offsets[a], sizeA, offsets[b], sizes[b], pOut, rand)
  })
  const { group, names } = blockGroups(sizes, groups)
  return withGroups(fromBuffer(n, edges), group, names)
}

/**
 * Connected caveman graph: `caves` cliques of `size` nodes; in each cave the edge between its first two
 * nodes is replaced by one from its first node to the last node of the previous cave, closing a ring.
 * With `rewire` > 0 each edge's far end is then rewired with that probability (rand required).
 */
export const connectedCaveman = (
  caves: number,
  size: number,
  rand?: Uniform,
  rewire = 0,
  groups: Groups = caves,
): SocialGraph => {
  // With size 2 removing the cave's only inner edge would leave the ring broken into pairs.
  check(isCount(caves, 2) && isCount(size, 3), `connectedCaveman: need caves >= 2 and size >= 3, got ${caves}, ${size}`)
  check(isProbability(rewire), `connectedCaveman: rewire must be in [0, 1], got ${rewire}`)
  check(rewire === 0 || rand !== undefined, "connectedCaveman: rewire > 0 needs a random generator")
  const n = caves * size
  const edges = new EdgeBuffer((caves * size * (size - 1)) / 2)
  for (let start = 0; start < n; start += size) {
    for (let a = start; a < start + size; a++) {
      for (let b = a + 1; b < start + size; b++) if (a !== start || b !== start + 1) edges.push(a, b)
    }
    edges.push(start, (start - 1 + n) % n)
  }
  const { source, target } = edges.finish()
  if (rand) rewireTargets(n, source, target, rewire, rand)
  const { group, names } = blockGroups(new Array<number>(caves).fill(size), groups)
  return withGroups(undirected(n, source, target), group, names)
}
