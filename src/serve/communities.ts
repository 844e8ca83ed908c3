// Communities of a large social graph on typed arrays: a CSR index from an edge list, and seeded label propagation
// (asynchronous, in a fixed shuffled order, ties broken by the seeded stream), then communities numbered by size.
import { nextUniform, seedStreams } from "../model/rng.js"

/** Undirected adjacency in compressed rows: the neighbours of v are `neighbours[starts[v] .. starts[v + 1])`. */
export interface Csr {
  readonly n: number
  readonly starts: Uint32Array
  readonly neighbours: Uint32Array
  readonly weights: Float32Array
}

/**
 * The CSR of an undirected edge list (each edge once; self-loops dropped). Neighbours of a node follow the edge
 * order, so the index is the same for the same file.
 */
export const buildCsr = (n: number, source: ArrayLike<number>, target: ArrayLike<number>, weight?: ArrayLike<number>): Csr => {
  const m = source.length
  const starts = new Uint32Array(n + 1)
  for (let e = 0; e < m; e++) {
    if (source[e] === target[e]) continue
    starts[source[e] + 1]++
    starts[target[e] + 1]++
  }
  for (let v = 0; v < n; v++) starts[v + 1] += starts[v]
  const neighbours = new Uint32Array(starts[n])
  const weights = new Float32Array(starts[n])
  const fill = starts.slice(0, n)
  for (let e = 0; e < m; e++) {
    const s = source[e]
    const t = target[e]
    if (s === t) continue
    const w = weight === undefined ? 1 : weight[e]
    neighbours[fill[s]] = t
    weights[fill[s]++] = w
    neighbours[fill[t]] = s
    weights[fill[t]++] = w
  }
  return { n, starts, neighbours, weights }
}

export interface LabelPropagationOptions {
  /** seeds the visiting order and the tie-breaks (default 1) */
  readonly seed?: number
  /** at most this many sweeps over the nodes (default 30) */
  readonly maxIterations?: number
}

export interface LabelPropagationResult {
  /** community of each node, 0 = the largest; ties in size ordered by their smallest member */
  readonly community: Int32Array
  /** number of communities */
  readonly count: number
  /** sweeps run; the last one changed no label unless it hit maxIterations */
  readonly iterations: number
}

const LPA_SALT = 0x6c70610a

/**
 * Label propagation (Raghavan et al. 2007): every node starts in its own community; in each sweep, nodes in a
 * seeded random order (fixed for the run) take the label carrying the most positive edge weight among their
 * neighbours, keeping their own label when it is among the best and otherwise choosing uniformly among the tied
 * best labels with the seeded stream. Stops after a sweep that changes nothing. Negative ties (antagonism) do
 * not pull labels. O(edges) per sweep, no allocation inside the sweep: the same graph and seed always give the
 * same communities.
 */
export const labelPropagation = (g: Csr, o: LabelPropagationOptions = {}): LabelPropagationResult => {
  const { n, starts, neighbours, weights } = g
  const maxIterations = o.maxIterations ?? 30
  const rng = new Uint32Array(4)
  seedStreams(rng, 1, o.seed ?? 1, LPA_SALT)
  const label = new Int32Array(n)
  const order = new Uint32Array(n)
  for (let v = 0; v < n; v++) {
    label[v] = v
    order[v] = v
  }
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(nextUniform(rng, 0) * (k + 1))
    const t = order[k]
    order[k] = order[j]
    order[j] = t
  }
  // Weight per label of the node being visited, and the labels touched, to reset only those.
  const score = new Float64Array(n)
  const touched = new Int32Array(n)
  let iterations = 0
  while (iterations < maxIterations) {
    iterations++
    let changed = 0
    for (let k = 0; k < n; k++) {
      const v = order[k]
      const a = starts[v]
      const b = starts[v + 1]
      let count = 0
      for (let p = a; p < b; p++) {
        const w = weights[p]
        if (!(w > 0)) continue
        const l = label[neighbours[p]]
        if (score[l] === 0) touched[count++] = l
        score[l] += w
      }
      if (count === 0) continue
      let best = -1
      let bestScore = 0
      let ties = 0
      for (let q = 0; q < count; q++) {
        const l = touched[q]
        const s = score[l]
        if (s > bestScore) {
          best = l
          bestScore = s
          ties = 1
        } else if (s === bestScore) {
          ties++
          if (nextUniform(rng, 0) * ties < 1) best = l
        }
      }
      const own = label[v]
      const keep = score[own] === bestScore
      for (let q = 0; q < count; q++) score[touched[q]] = 0
      if (!keep && best !== own) {
        label[v] = best
        changed++
      }
    }
    if (changed === 0) break
  }
  const { community, count } = numberBySize(label)
  return { community, count, iterations }
}

/**
 * Renumbers arbitrary labels (0..n-1) as communities 0..count-1, largest first, equal sizes ordered by their
 * smallest member.
 */
export const numberBySize = (label: Int32Array): { community: Int32Array; count: number; sizes: Uint32Array } => {
  const n = label.length
  let max = -1
  for (let v = 0; v < n; v++) if (label[v] > max) max = label[v]
  const size = new Uint32Array(max + 1)
  const first = new Int32Array(max + 1).fill(-1)
  for (let v = 0; v < n; v++) {
    const l = label[v]
    if (size[l]++ === 0) first[l] = v
  }
  const used: number[] = []
  for (let l = 0; l <= max; l++) if (size[l] > 0) used.push(l)
  used.sort((x, y) => size[y] - size[x] || first[x] - first[y])
  const rank = new Int32Array(max + 1)
  const sizes = new Uint32Array(used.length)
  used.forEach((l, k) => {
    rank[l] = k
    sizes[k] = size[l]
  })
  const community = new Int32Array(n)
  for (let v = 0; v < n; v++) community[v] = rank[label[v]]
  return { community, count: used.length, sizes }
}

export interface Attached {
  /** community of each node: 0..kept-1 the kept communities (largest first), `kept` the rest ("other") */
  readonly community: Int32Array
  /** communities kept */
  readonly kept: number
  /** small communities that joined a kept one */
  readonly attached: number
  /** nodes in communities that reach no kept one (community `kept`) */
  readonly rest: number
}

/**
 * Keeps the `keep` largest communities and attaches each smaller one to the kept community its members have the most
 * positive edge weight to (ties: the larger kept community), in up to `passes` passes; each pass decides from the
 * communities attached before it (so the order of the small communities does not matter), and those attached lead
 * their neighbours in the next. Small communities that reach none stay
 * apart as community `keep` ("other"). Kept communities are then numbered by their new size. `community` must be
 * numbered by size (as labelPropagation returns it).
 */
export const attachSmall = (g: Csr, community: Int32Array, count: number, keep: number, passes = 32): Attached => {
  const { n, starts, neighbours, weights } = g
  const into = new Int32Array(count).fill(-1)
  for (let c = 0; c < Math.min(keep, count); c++) into[c] = c
  // Members grouped by community (a counting sort).
  const first = new Uint32Array(count + 1)
  for (let v = 0; v < n; v++) first[community[v] + 1]++
  for (let c = 0; c < count; c++) first[c + 1] += first[c]
  const members = new Uint32Array(n)
  const fill = first.slice(0, count)
  for (let v = 0; v < n; v++) members[fill[community[v]]++] = v
  const score = new Float64Array(keep)
  const touched = new Int32Array(keep)
  const decided = new Int32Array(count).fill(-1)
  let attached = 0
  for (let pass = 0; pass < passes; pass++) {
    let changed = 0
    for (let c = keep; c < count; c++) {
      if (into[c] >= 0) continue
      let touchedCount = 0
      for (let p = first[c]; p < first[c + 1]; p++) {
        const v = members[p]
        for (let q = starts[v]; q < starts[v + 1]; q++) {
          const w = weights[q]
          if (!(w > 0)) continue
          const t = into[community[neighbours[q]]]
          if (t < 0) continue
          if (score[t] === 0) touched[touchedCount++] = t
          score[t] += w
        }
      }
      let best = -1
      for (let k = 0; k < touchedCount; k++) {
        const t = touched[k]
        if (best < 0 || score[t] > score[best] || (score[t] === score[best] && t < best)) best = t
      }
      for (let k = 0; k < touchedCount; k++) score[touched[k]] = 0
      decided[c] = best
      if (best >= 0) changed++
    }
    for (let c = keep; c < count; c++) if (into[c] < 0 && decided[c] >= 0) into[c] = decided[c]
    attached += changed
    if (changed === 0) break
  }
  // Kept communities renumbered by their new size (ties: their first member); the rest last.
  const size = new Float64Array(keep + 1)
  const firstMember = new Int32Array(keep + 1).fill(-1)
  const out = new Int32Array(n)
  for (let v = 0; v < n; v++) {
    const t = into[community[v]]
    const k = t < 0 ? keep : t
    out[v] = k
    if (size[k]++ === 0) firstMember[k] = v
  }
  const order = Array.from({ length: keep }, (_, k) => k).sort((a, b) => size[b] - size[a] || firstMember[a] - firstMember[b])
  const rank = new Int32Array(keep + 1)
  order.forEach((k, r) => (rank[k] = r))
  rank[keep] = keep
  for (let v = 0; v < n; v++) out[v] = rank[out[v]]
  return { community: out, kept: keep, attached, rest: size[keep] }
}
