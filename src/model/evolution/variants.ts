// Meme evolution on the main thread: the variant table's bookkeeping between ticks, lineages, and the measurements.
//
// The kernels (src/model/kernel.ts) transmit, host and decay carried variants and draft at most one new variant per
// agent per tick into its birth buffers. After the tick's phases, `afterTick` numbers the drafts in agent order, so
// ids never depend on how agents were split over threads; frees the table rows of extinct variants (founders keep
// theirs); and counts hosts. A full table refuses new variants: the draft's slot gets a faithful copy of the parent.
import { MEME_TRAITS } from "../../scenario/evolution.js"
import type { Scenario } from "../../scenario/schema.js"
import type { SocialGraph } from "../graph/social-graph.js"
import type { Constants } from "../kernel.js"
import { PENDING, TRAITS, type AgentState } from "../state.js"
import { priceTerms, type PriceTerms } from "./price.js"
import { loadFields, saveFields, type EvolutionProcess, type RunTable } from "./process.js"

/** A variant ever born (or declared): where it came from and how far it got. */
export interface LineageRecord {
  readonly id: number
  /** parent's id, -1 for founders */
  readonly parent: number
  /** the founder it descends from (its index among the scenario's memes) */
  readonly root: number
  readonly birthTick: number
  /** agent index where it was drafted, -1 for founders */
  readonly birthAgent: number
  readonly traits: Float32Array
  readonly content: Int8Array
  peakHosts: number
  peakTick: number
  /** tick its last host lost it, -1 while hosted (a founder can be seeded again) */
  extinctTick: number
}

/** The host-weighted state of the variant population at a measured tick. */
export interface VariantSummary {
  readonly live: number
  readonly born: number
  readonly refused: number
  /** carried variants per agent */
  readonly carried: number
  /** Shannon diversity (nats) of variants' shares of hosts */
  readonly diversity: number
  readonly mean: Float64Array
  readonly variance: Float64Array
  /** per trait, over the interval since the last measured tick */
  readonly price: ReadonlyArray<PriceTerms>
  /** per belief, host-weighted mean of variants' content (+1, -1, 0 unasserted) */
  readonly content: Float64Array
  /** per founder: share of agents carrying a variant of its lineage, and their mean highest salience of it */
  readonly founderShare: Float64Array
  readonly founderSalience: Float64Array
}

export class MemeVariants implements EvolutionProcess {
  readonly records: LineageRecord[] = []
  private readonly n: number
  private readonly B: number
  private readonly K: number
  private readonly founders: number
  /** per table row: lineage id (-1 free), founder, hosts after the last tick, parent position at the last record */
  private readonly idAt: Int32Array
  private readonly rootAt: Int32Array
  private readonly hostCount: Int32Array
  private readonly ancestor: Int32Array
  /** free table rows; popped from the end, so the lowest row is reused first */
  private readonly free: number[] = []
  private born = 0
  private refused = 0
  /** the parents of the current interval: hosts and traits (P×T) of the variants live at the last record */
  private parentHosts = new Float64Array(0)
  private parentTraits = new Float64Array(0)
  private parentRoots = new Int32Array(0)
  private lastRecorded = -1
  private readonly variantRows: number[][] = []
  summary: VariantSummary

  constructor(
    private readonly scenario: Scenario, c: Constants, private readonly s: AgentState, private readonly graph: SocialGraph,
    private readonly beliefNames: ReadonlyArray<string>
  ) {
    this.n = c.n
    this.B = c.B
    this.K = c.variation.K
    const V = s.variantSize.length
    this.founders = scenario.memes.length
    this.idAt = new Int32Array(V).fill(-1)
    this.rootAt = new Int32Array(V).fill(-1)
    this.hostCount = new Int32Array(V)
    this.ancestor = new Int32Array(V).fill(-1)
    for (let row = V - 1; row >= this.founders; row--) this.free.push(row)
    scenario.memes.forEach((m, f) => this.found(f, m))
    this.summary = this.summarise(new Array(TRAITS).fill({ change: NaN, selection: NaN, transmission: NaN, between: NaN }))
  }

  /** Writes founder f (a declared meme) into table row f. */
  private found(f: number, m: Scenario["memes"][number]): void {
    const { s, B } = this
    const index = new Map(this.beliefNames.map((name, a) => [name, a]))
    for (const [name, v] of Object.entries(m.content)) s.variantContent[f * B + index.get(name)!] = v
    s.variantSize[f] = Object.keys(m.content).length
    s.variantTraits.set([m.intensity, m.load, m.transmissibility, m.decay, m.threshold, 0], f * TRAITS)
    this.idAt[f] = f
    this.rootAt[f] = f
    this.records.push(this.newRecord(f, -1, f, 0, -1))
  }

  private newRecord(row: number, parent: number, root: number, tick: number, agent: number): LineageRecord {
    const { s, B } = this
    return {
      id: this.records.length, parent, root, birthTick: tick, birthAgent: agent,
      traits: s.variantTraits.slice(row * TRAITS, (row + 1) * TRAITS),
      content: s.variantContent.slice(row * B, (row + 1) * B),
      peakHosts: 0, peakTick: -1, extinctTick: -1
    }
  }

  /** Seeding: agent i carries founder f at salience 1 — in a free slot, else in place of its least salient one. */
  seed(i: number, f: number): void {
    const { s, K } = this
    const base = i * K
    const slots = Array.from({ length: K }, (_, k) => k)
    let slot = slots.find((k) => s.carried[base + k] === f) ?? slots.find((k) => s.carried[base + k] === -1)
    slot ??= slots.reduce((best, k) => (s.carriedSalience[base + k] < s.carriedSalience[base + best] ? k : best), 0)
    s.carried[base + slot] = f
    s.carriedSalience[base + slot] = 1
  }

  afterTick(tick: number): void {
    this.numberBirths(tick)
    this.countHosts(tick)
  }

  /** Drafts become variants in agent order; with the table full, a faithful copy of the parent instead. */
  private numberBirths(tick: number): void {
    const { s, B, K } = this
    for (let i = 0; i < this.n; i++) {
      const parent = s.birthParent[i]
      if (parent < 0) continue
      s.birthParent[i] = -1
      let slot = i * K
      while (s.carried[slot] !== PENDING) slot++
      const row = this.free.pop()
      if (row === undefined) {
        this.refused++
        s.carried[slot] = parent
        continue
      }
      s.variantTraits.set(s.birthTraits.subarray(i * TRAITS, (i + 1) * TRAITS), row * TRAITS)
      s.variantContent.set(s.birthContent.subarray(i * B, (i + 1) * B), row * B)
      let size = 0
      for (let a = 0; a < B; a++) if (s.birthContent[i * B + a] !== 0) size++
      s.variantSize[row] = size
      const rec = this.newRecord(row, this.idAt[parent], this.rootAt[parent], tick, i)
      this.records.push(rec)
      this.idAt[row] = rec.id
      this.rootAt[row] = this.rootAt[parent]
      this.ancestor[row] = this.ancestor[parent]
      this.born++
      s.carried[slot] = row
    }
  }

  /** Hosts per variant; peaks; extinct variants' rows are freed (founders' rows stay theirs). */
  private countHosts(tick: number): void {
    const { s, hostCount } = this
    hostCount.fill(0)
    for (let k = 0; k < s.carried.length; k++) if (s.carried[k] >= 0) hostCount[s.carried[k]]++
    for (let row = 0; row < hostCount.length; row++) {
      const id = this.idAt[row]
      if (id < 0) continue
      const rec = this.records[id]
      const hosts = hostCount[row]
      if (hosts > rec.peakHosts) {
        rec.peakHosts = hosts
        rec.peakTick = tick
      }
      if (hosts > 0) rec.extinctTick = -1
      else if (rec.peakHosts > 0 && rec.extinctTick < 0) rec.extinctTick = tick
      if (hosts === 0 && row >= this.founders && rec.peakHosts > 0) {
        this.idAt[row] = -1
        this.free.push(row)
      }
    }
  }

  record(tick: number): void {
    if (tick === this.lastRecorded) return
    this.lastRecorded = tick
    this.summary = this.summarise(this.price())
    for (let row = 0; row < this.hostCount.length; row++) {
      if (this.idAt[row] >= 0 && this.hostCount[row] > 0) this.variantRows.push([tick, this.idAt[row], this.hostCount[row]])
    }
    this.startInterval()
  }

  /** Price terms per trait for the interval since the last record. */
  private price(): PriceTerms[] {
    const P = this.parentHosts.length
    const offspring = new Float64Array(P)
    const offspringTrait = new Float64Array(P * TRAITS)
    const traits = this.s.variantTraits
    for (let row = 0; row < this.hostCount.length; row++) {
      const p = this.ancestor[row]
      const hosts = this.hostCount[row]
      if (p < 0 || hosts === 0 || this.idAt[row] < 0) continue
      offspring[p] += hosts
      for (let t = 0; t < TRAITS; t++) offspringTrait[p * TRAITS + t] += hosts * traits[row * TRAITS + t]
    }
    return MEME_TRAITS.map((_, t) => {
      const column = (a: Float64Array) => Float64Array.from({ length: P }, (_, p) => a[p * TRAITS + t])
      return priceTerms(this.parentHosts, column(this.parentTraits), offspring, column(offspringTrait), this.parentRoots)
    })
  }

  /** The variants hosted now become the next interval's parents. */
  private startInterval(): void {
    const live: number[] = []
    this.ancestor.fill(-1)
    for (let row = 0; row < this.hostCount.length; row++) {
      if (this.idAt[row] < 0 || this.hostCount[row] === 0) continue
      this.ancestor[row] = live.length
      live.push(row)
    }
    this.parentHosts = Float64Array.from(live, (row) => this.hostCount[row])
    this.parentRoots = Int32Array.from(live, (row) => this.rootAt[row])
    this.parentTraits = new Float64Array(live.length * TRAITS)
    live.forEach((row, p) => this.parentTraits.set(this.s.variantTraits.subarray(row * TRAITS, (row + 1) * TRAITS), p * TRAITS))
  }

  private summarise(price: ReadonlyArray<PriceTerms>): VariantSummary {
    const { s, B, K, n, hostCount } = this
    const mean = new Float64Array(TRAITS)
    const content = new Float64Array(B)
    let total = 0
    let live = 0
    for (let row = 0; row < hostCount.length; row++) {
      const h = hostCount[row]
      if (h === 0 || this.idAt[row] < 0) continue
      live++
      total += h
      for (let t = 0; t < TRAITS; t++) {
        const z = s.variantTraits[row * TRAITS + t]
        mean[t] += h * z
      }
      for (let a = 0; a < B; a++) content[a] += h * s.variantContent[row * B + a]
    }
    let diversity = 0
    for (let row = 0; row < hostCount.length; row++) {
      const h = hostCount[row]
      if (h > 0 && this.idAt[row] >= 0) diversity -= (h / total) * Math.log(h / total)
    }
    const variance = new Float64Array(TRAITS)
    for (let t = 0; t < TRAITS; t++) mean[t] = total > 0 ? mean[t] / total : NaN
    // Two passes: equal traits give a variance of exactly 0.
    for (let row = 0; row < hostCount.length; row++) {
      const h = hostCount[row]
      if (h === 0 || this.idAt[row] < 0) continue
      for (let t = 0; t < TRAITS; t++) variance[t] += h * (s.variantTraits[row * TRAITS + t] - mean[t]) ** 2
    }
    for (let t = 0; t < TRAITS; t++) variance[t] = total > 0 ? variance[t] / total : NaN
    for (let a = 0; a < B; a++) content[a] = total > 0 ? content[a] / total : NaN
    const { share, salience } = this.founderShares()
    return {
      live, born: this.born, refused: this.refused, carried: total / n, diversity: total > 0 ? diversity : 0,
      mean, variance, price, content, founderShare: share, founderSalience: salience
    }
  }

  private founderShares(): { share: Float64Array; salience: Float64Array } {
    const { s, K, n } = this
    const F = this.founders
    const share = new Float64Array(F)
    const salience = new Float64Array(F)
    const best = new Float64Array(F)
    for (let i = 0; i < n; i++) {
      best.fill(0)
      for (let k = i * K; k < (i + 1) * K; k++) {
        const v = s.carried[k]
        if (v >= 0 && s.carriedSalience[k] > best[this.rootAt[v]]) best[this.rootAt[v]] = s.carriedSalience[k]
      }
      for (let f = 0; f < F; f++) if (best[f] > 0) { share[f]++; salience[f] += best[f] }
    }
    for (let f = 0; f < F; f++) { share[f] /= n; salience[f] /= n }
    return { share, salience }
  }

  save(): unknown {
    return saveFields(this, [
      "records", "idAt", "rootAt", "hostCount", "ancestor", "free", "born", "refused",
      "parentHosts", "parentTraits", "parentRoots", "lastRecorded", "variantRows", "summary"
    ])
  }

  load(saved: unknown): void {
    loadFields(this, saved)
  }

  /** Agent i's carried variants: lineage id and salience, in slot order. */
  carried(i: number): Array<{ id: number; salience: number }> {
    const out: Array<{ id: number; salience: number }> = []
    for (let k = i * this.K; k < (i + 1) * this.K; k++) {
      const v = this.s.carried[k]
      if (v >= 0) out.push({ id: this.idAt[v], salience: this.s.carriedSalience[k] })
    }
    return out
  }

  /** Lineage id of the variant agent i carries with the highest salience, -1 for none. */
  dominantLineage(i: number): number {
    let best = -1
    let bestSalience = -1
    for (const c of this.carried(i)) if (c.salience > bestSalience) { best = c.id; bestSalience = c.salience }
    return best
  }

  /** Founder (scenario meme index) of the variant agent i carries with the highest salience, -1 for none. */
  dominantFounder(i: number): number {
    const id = this.dominantLineage(i)
    return id < 0 ? -1 : this.records[id].root
  }

  lineage(id: number): LineageRecord {
    return this.records[id]
  }

  get lineageCount(): number {
    return this.records.length
  }

  tables(): ReadonlyArray<RunTable> {
    return [this.lineageTable(), {
      name: "variants",
      columns: [
        { name: "tick", type: "INTEGER", doc: "measured tick" },
        { name: "variant", type: "BIGINT", doc: "lineage id" },
        { name: "hosts", type: "INTEGER", doc: "agents carrying it" }
      ],
      rows: this.variantRows
    }]
  }

  private lineageTable(): RunTable {
    const memes = this.scenario.memes
    const sign = (v: number) => (v > 0 ? "+1" : "-1")
    return {
      name: "lineages",
      columns: [
        { name: "variant", type: "BIGINT", doc: "lineage id: founders are 0..M-1 in scenario order, then births in order" },
        { name: "parent", type: "BIGINT", doc: "parent's id, -1 for founders" },
        { name: "root", type: "BIGINT", doc: "founder's id" },
        { name: "founder", type: "VARCHAR", doc: "founder meme's name" },
        { name: "birth_tick", type: "INTEGER", doc: "tick it was drafted (0 for founders)" },
        { name: "birth_agent", type: "VARCHAR", doc: "node where it was drafted (NULL for founders)" },
        ...MEME_TRAITS.map((t) => ({ name: t, type: "DOUBLE" as const, doc: `its ${t}` })),
        { name: "content", type: "VARCHAR", doc: "asserted beliefs, e.g. \"a:+1 b:-1\"" },
        { name: "peak_hosts", type: "INTEGER", doc: "most agents carrying it at the end of a tick" },
        { name: "peak_tick", type: "INTEGER", doc: "first tick it reached its peak (-1 never carried)" },
        { name: "extinct_tick", type: "INTEGER", doc: "tick its last carrier lost it, -1 while carried" }
      ],
      rows: this.records.map((r) => [
        r.id, r.parent, r.root, memes[r.root].name, r.birthTick, r.birthAgent < 0 ? "" : this.graph.keys[r.birthAgent],
        ...Array.from(r.traits, (z) => z),
        Array.from(r.content).flatMap((v, a) => (v === 0 ? [] : [`${this.beliefNames[a]}:${sign(v)}`])).join(" "),
        r.peakHosts, r.peakTick, r.extinctTick
      ])
    }
  }
}
