// Meme lineages on the page: the lineage table and each agent's dominant lineage id from frames.bin, counted per
// recorded tick into the Muller layout the panel draws (src/experiment/muller.ts, shared with `kiln plot muller`),
// which also gives every lineage its colour and ancestry.
import { mullerLayout, type HostCount, type LineageNode, type MullerLayout } from "../../src/experiment/muller"
import type { Frames, LineageTable } from "../../src/io/frames-format"
import { NO_MEME } from "./colours"

/** Clades the panel and the lineage colour mode draw besides the founders; the rest take their drawn ancestor's colour. */
export const TOP_CLADES = 30

export class Lineages {
  private nodes = new Map<number, LineageNode>()
  /** agents per dominant lineage at each recorded tick */
  private readonly counts = new Map<number, HostCount[]>()
  layout: MullerLayout | undefined
  /** when the layout was last computed and what it cost (ms): live, it is recomputed only when that is cheap enough */
  private laidOutAt = -Infinity
  private layoutCost = 0

  constructor(private readonly agents: number) {}

  /** All frames of a finished run. */
  static fromFrames(f: Frames): Lineages {
    const l = new Lineages(f.n)
    l.setTable(f.lineages!)
    for (let k = 0; k < f.count; k++) l.count(f.ticks[k], f.lineage!(k))
    l.relayout()
    return l
  }

  /**
   * A live snapshot: the newest frame and the table as it stands. The layout covers every tick so far, so its cost
   * grows with the run: it is recomputed at most a fifth of the time, and lineages born since are coloured as
   * their nearest laid-out ancestor until then.
   */
  addSnapshot(f: Frames): void {
    if (f.lineages === undefined || f.lineage === undefined) return
    this.setTable(f.lineages)
    this.count(f.ticks[0], f.lineage(0))
    if (performance.now() - this.laidOutAt >= 4 * this.layoutCost) this.relayout()
  }

  private setTable(t: LineageTable): void {
    this.nodes = new Map(Array.from(t.id, (id, k) => [id, { id, parent: t.parent[k], root: t.root[k], birthTick: t.birthTick[k] }]))
  }

  private count(tick: number, dominant: Int32Array): void {
    const hosts = new Map<number, number>()
    for (const id of dominant) if (id >= 0) hosts.set(id, (hosts.get(id) ?? 0) + 1)
    this.counts.set(tick, Array.from(hosts, ([variant, n]) => ({ tick, variant, hosts: n })))
  }

  /** Shares of agents: a tick's bands fill the share of agents that carry a variant, the rest is "none". */
  private relayout(): void {
    const start = performance.now()
    this.layout = mullerLayout([...this.nodes.values()], [...this.counts.values()].flat(), { top: TOP_CLADES, total: this.agents })
    this.laidOutAt = performance.now()
    this.layoutCost = this.laidOutAt - start
  }

  /** The colour of the drawn clade lineage `id` belongs to (or its nearest laid-out ancestor's); grey for none. */
  colourOf(id: number): string {
    let a = id
    while (a >= 0 && this.layout?.cladeOf.get(a) === undefined) a = this.nodes.get(a)?.parent ?? -1
    return a < 0 ? NO_MEME : this.layout!.clades[this.layout!.cladeOf.get(a)!].colour
  }

  /** The founder (scenario meme index) of lineage `id`, -1 when unknown. */
  founderOf(id: number): number {
    return this.nodes.get(id)?.root ?? -1
  }

  /** Lineage ids from `id`'s parent back to its founder. */
  ancestry(id: number): number[] {
    const out: number[] = []
    for (let p = this.nodes.get(id)?.parent ?? -1; p >= 0; p = this.nodes.get(p)?.parent ?? -1) out.push(p)
    return out
  }
}
