// Muller plots of meme lineages: from a lineage tree and per-tick host counts, the band [lo, hi] in [0, 1] of each
// drawn clade at each tick, descendants nested inside their parent's band. Pure and import-free, so the viewer
// (viz/) lays out its Muller panel with the same code as `kiln plot muller` and `kiln report`.
//
// A clade is a lineage and all its descendants; its band's width is its share of the tick's total (the hosts of
// every variant by default, so the bands of a tick sum to 1 whenever anything is hosted; or a given total, e.g.
// the number of agents, so they sum to the share of agents that carry a variant). Within a parent's band the
// parent's own hosts are split in two halves, below and above its children's stacked bands, so a new variant
// emerges from the middle of its parent, as in the Muller plots of experimental evolution.

/** A lineage: ids are the variants' lineage ids; founders have parent -1 and are their own root. */
export interface LineageNode {
  readonly id: number
  readonly parent: number
  readonly root: number
  readonly birthTick: number
}

/** Agents hosting a variant at a tick (a row of the `variants` table). */
export interface HostCount {
  readonly tick: number
  readonly variant: number
  readonly hosts: number
}

export interface MullerOptions {
  /** draw at most this many clades (by peak share), besides every founder; the rest merge into their nearest drawn ancestor */
  readonly top?: number
  /** divide counts by this at every tick instead of the tick's total hosts (e.g. agents, when each counts once) */
  readonly total?: number
}

/** A drawn clade: a lineage with its descendants, minus the drawn ones among them. */
export interface Clade {
  readonly id: number
  /** the drawn parent's id (always the lineage's parent: the drawn set is closed under ancestors), -1 for founders */
  readonly parent: number
  readonly root: number
  /** mutations from the founder */
  readonly depth: number
  readonly birthTick: number
  /** the clade's largest share over the ticks */
  readonly peak: number
  /** lineages drawn as this clade: itself and its undrawn descendants that were ever hosted */
  readonly lineages: number
  readonly colour: string
}

export interface MullerLayout {
  /** the ticks with counts, ascending */
  readonly ticks: ReadonlyArray<number>
  /** drawn clades, each parent before its children (draw in this order: children paint over their parent's band) */
  readonly clades: ReadonlyArray<Clade>
  /** band edges per clade (same order), one value per tick */
  readonly lo: ReadonlyArray<Float64Array>
  readonly hi: ReadonlyArray<Float64Array>
  /** the drawn clade (index into `clades`) each lineage is shown as; absent for lineages never hosted */
  readonly cladeOf: ReadonlyMap<number, number>
}

export const DEFAULT_TOP = 30

/**
 * Lays out a Muller plot. Throws an Error naming the lineage when a count or a parent refers to a lineage the tree
 * does not have.
 */
export const mullerLayout = (tree: ReadonlyArray<LineageNode>, counts: ReadonlyArray<HostCount>, o: MullerOptions = {}): MullerLayout => {
  const nodes = new Map(tree.map((l) => [l.id, l]))
  const depth = depthsOf(nodes)
  const ticks = [...new Set(counts.map((c) => c.tick))].sort((a, b) => a - b)
  const at = new Map(ticks.map((t, k) => [t, k]))
  const clade = cladeCounts(nodes, counts, at, ticks.length)
  const totals = tickTotals(counts, at, ticks.length, o.total)
  const peak = peakShares(clade, totals)
  const drawn = chooseClades(nodes, depth, peak, o.top ?? DEFAULT_TOP)
  const order = preorder(nodes, drawn)
  const index = new Map(order.map((id, k) => [id, k]))
  const cladeOf = drawnAncestors(nodes, index, peak)
  const own = ownCounts(counts, at, ticks.length, cladeOf, order.length)
  const lineages = new Array<number>(order.length).fill(0)
  for (const k of cladeOf.values()) lineages[k]++
  const { lo, hi } = bands(order, index, nodes, clade, own, totals)
  const clades = order.map((id, k): Clade => {
    const l = nodes.get(id)!
    return { id, parent: l.parent, root: l.root, depth: depth.get(id)!, birthTick: l.birthTick, peak: peak.get(id)!, lineages: lineages[k],
      colour: lineageColour(l.root, depth.get(id)!, id) }
  })
  return { ticks, clades, lo, hi, cladeOf }
}

const unknown = (id: number, where: string) => new Error(`kiln/muller: ${where} refers to lineage ${id}, which the lineage table does not have`)

/** Mutations from the founder, for every lineage (iteratively: chains can be thousands long). */
const depthsOf = (nodes: ReadonlyMap<number, LineageNode>): Map<number, number> => {
  const depth = new Map<number, number>()
  for (const l of nodes.values()) {
    const chain: number[] = []
    let id = l.id
    while (id >= 0 && !depth.has(id)) {
      const node = nodes.get(id)
      if (node === undefined) throw unknown(id, `the parent of lineage ${chain[chain.length - 1]}`)
      chain.push(id)
      id = node.parent
    }
    let d = id >= 0 ? depth.get(id)! : -1
    for (let k = chain.length - 1; k >= 0; k--) depth.set(chain[k], ++d)
  }
  return depth
}

/** Hosts of each clade (the lineage and all its descendants) at each tick index: the count added to every ancestor. */
const cladeCounts = (nodes: ReadonlyMap<number, LineageNode>, counts: ReadonlyArray<HostCount>, at: ReadonlyMap<number, number>, T: number) => {
  const clade = new Map<number, Float64Array>()
  for (const c of counts) {
    if (!nodes.has(c.variant)) throw unknown(c.variant, `the host count at tick ${c.tick}`)
    for (let id = c.variant; id >= 0; id = nodes.get(id)!.parent) {
      let row = clade.get(id)
      if (row === undefined) clade.set(id, (row = new Float64Array(T)))
      row[at.get(c.tick)!] += c.hosts
    }
  }
  return clade
}

const tickTotals = (counts: ReadonlyArray<HostCount>, at: ReadonlyMap<number, number>, T: number, total: number | undefined): Float64Array => {
  if (total !== undefined) return new Float64Array(T).fill(total)
  const totals = new Float64Array(T)
  for (const c of counts) totals[at.get(c.tick)!] += c.hosts
  return totals
}

const share = (count: number, total: number): number => (total > 0 ? count / total : 0)

const peakShares = (clade: ReadonlyMap<number, Float64Array>, totals: Float64Array): Map<number, number> => {
  const peak = new Map<number, number>()
  for (const [id, row] of clade) {
    let p = 0
    row.forEach((c, t) => (p = Math.max(p, share(c, totals[t]))))
    peak.set(id, p)
  }
  return peak
}

/**
 * The `top` clades by peak share, and every hosted founder. An ancestor's clade contains its descendant's, so its
 * peak is at least as large; with ties broken towards smaller depth the chosen set holds every chosen clade's parent.
 */
const chooseClades = (nodes: ReadonlyMap<number, LineageNode>, depth: ReadonlyMap<number, number>, peak: ReadonlyMap<number, number>, top: number) => {
  const hosted = [...peak.keys()].filter((id) => peak.get(id)! > 0)
  hosted.sort((a, b) => peak.get(b)! - peak.get(a)! || depth.get(a)! - depth.get(b)! || a - b)
  return new Set([...hosted.slice(0, top), ...hosted.filter((id) => nodes.get(id)!.parent < 0)])
}

/** Drawn clades with each parent before its children; founders by id, siblings by birth (older nearer the bottom). */
const preorder = (nodes: ReadonlyMap<number, LineageNode>, drawn: ReadonlySet<number>): number[] => {
  const children = new Map<number, number[]>()
  for (const id of drawn) {
    const p = nodes.get(id)!.parent
    children.set(p, [...(children.get(p) ?? []), id])
  }
  const byBirth = (a: number, b: number) => nodes.get(a)!.birthTick - nodes.get(b)!.birthTick || a - b
  const out: number[] = []
  const visit = (id: number) => {
    out.push(id)
    for (const c of (children.get(id) ?? []).sort(byBirth)) visit(c)
  }
  for (const f of (children.get(-1) ?? []).sort((a, b) => a - b)) visit(f)
  return out
}

/** For every hosted lineage, the drawn clade it is shown as: itself when drawn, else its nearest drawn ancestor. */
const drawnAncestors = (nodes: ReadonlyMap<number, LineageNode>, index: ReadonlyMap<number, number>, peak: ReadonlyMap<number, number>) => {
  const cladeOf = new Map<number, number>()
  for (const id of peak.keys()) {
    if (peak.get(id)! <= 0) continue
    let a = id
    while (!index.has(a)) a = nodes.get(a)!.parent
    cladeOf.set(id, index.get(a)!)
  }
  return cladeOf
}

/** Hosts counted for each drawn clade itself: its own and those of its undrawn descendants. */
const ownCounts = (counts: ReadonlyArray<HostCount>, at: ReadonlyMap<number, number>, T: number, cladeOf: ReadonlyMap<number, number>, K: number) => {
  const own = Array.from({ length: K }, () => new Float64Array(T))
  for (const c of counts) if (c.hosts > 0) own[cladeOf.get(c.variant)!][at.get(c.tick)!] += c.hosts
  return own
}

/** Band edges: founders stacked from 0; inside a clade, half its own hosts, its children's bands, the other half. */
const bands = (
  order: ReadonlyArray<number>, index: ReadonlyMap<number, number>, nodes: ReadonlyMap<number, LineageNode>,
  clade: ReadonlyMap<number, Float64Array>, own: ReadonlyArray<Float64Array>, totals: Float64Array
) => {
  const T = totals.length
  const lo = order.map(() => new Float64Array(T))
  const hi = order.map(() => new Float64Array(T))
  // Positions are kept in host counts (integers and halves, exact) and divided by the total at the end.
  const start = order.map(() => new Float64Array(T))
  const next = new Map<number, Float64Array>([[-1, new Float64Array(T)]])
  for (const id of order) {
    const k = index.get(id)!
    const parent = next.get(nodes.get(id)!.parent)!
    const count = clade.get(id)!
    for (let t = 0; t < T; t++) {
      start[k][t] = parent[t]
      parent[t] += count[t]
      lo[k][t] = share(start[k][t], totals[t])
      hi[k][t] = share(start[k][t] + count[t], totals[t])
    }
    next.set(id, start[k].map((s, t) => s + own[k][t] / 2))
  }
  return { lo, hi }
}

/**
 * The viewer's meme colours (viz/src/colours.ts takes them from here), so a founder meme has one colour in every
 * view: warm and saturated first, so a spreading meme stands out against the grey of "none".
 */
export const MEME_PALETTE = ["#ff6b3d", "#35c2e8", "#b5e853", "#e05cd6", "#ffd23f", "#7b8cff", "#4ee0a0", "#ff9fb2"]

/**
 * A lineage's colour as #rrggbb. A founder has its meme's colour (founders past the palette turn its hues by the
 * golden angle); a descendant keeps the hue, shifted a little per lineage so siblings differ, and its lightness steps
 * by 0.17 per generation within 0.3–0.8 (wrapping), so a clade always differs by at least 0.17 from the parent band
 * around it.
 */
export const lineageColour = (root: number, depth: number, id: number): string => {
  const base = MEME_PALETTE[root % MEME_PALETTE.length]
  if (depth === 0 && root < MEME_PALETTE.length) return base
  const [h, s, l] = hexHsl(base)
  const hue = h + 137.5 * Math.floor(root / MEME_PALETTE.length) + (depth === 0 ? 0 : ((id * 37) % 21) - 10)
  return hslHex(hue, depth === 0 ? s : 0.85 * s, 0.3 + ((l - 0.3 + 0.17 * depth) % 0.5))
}

const hexHsl = (hex: string): [number, number, number] => {
  const [r, g, b] = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16) / 255)
  const max = Math.max(r, g, b)
  const min = Math.min(r, g, b)
  const d = max - min
  const l = (max + min) / 2
  const s = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1))
  const h = d === 0 ? 0 : max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4
  return [60 * h, s, l]
}

const hslHex = (h: number, s: number, l: number): string => {
  const a = s * Math.min(l, 1 - l)
  const channel = (n: number) => {
    const k = (n + (((h % 360) + 360) % 360) / 30) % 12
    const v = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))
    return Math.round(255 * v).toString(16).padStart(2, "0")
  }
  return `#${channel(0)}${channel(8)}${channel(4)}`
}
