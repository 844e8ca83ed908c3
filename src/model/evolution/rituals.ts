// Rituals that evolve (cultural group selection, docs/EVOLUTION.md): each group's ritual is a heritable set of
// traits; every `every` ticks a group may copy, with mutation, the ritual of the most successful group, and members
// no longer attached to their group may join a neighbour's group. All of it runs on the main thread between ticks
// and draws from one stream of its own, so the results do not depend on the number of threads.
import type { RitualEvolution as RitualEvolutionSpec } from "../../scenario/evolution.js"
import type { Intervention, Scenario } from "../../scenario/schema.js"
import { attachmentOf, type Constants } from "../kernel.js"
import { nextGaussian, nextUniform, seedStreams } from "../rng.js"
import type { AgentState } from "../state.js"
import type { World } from "../world.js"
import { loadFields, saveFields, type EvolutionProcess, type RunTable, type TableColumn } from "./process.js"

const RITUAL_SALT = 0x72697465

type Ritual = Extract<Intervention, { readonly kind: "ritual" }>

/** A ritual intervention that belongs to a group: by its `group`, else by a `{group}` target. */
export interface GroupRitual {
  readonly k: number
  readonly iv: Ritual
  readonly group: string
}

/** The scenario's rituals that belong to a group, in scenario order (those evolve with `evolution.rituals`). */
export const groupRituals = (s: Scenario): GroupRitual[] =>
  s.interventions.flatMap((iv, k) => {
    if (iv.kind !== "ritual") return []
    const group = iv.group ?? (typeof iv.target === "object" && "group" in iv.target ? iv.target.group : undefined)
    return group === undefined ? [] : [{ k, iv, group }]
  })

/**
 * What `evolution.rituals` needs of a scenario (run by scenario/load.ts after decoding): at least two groups, each
 * with one repeating ritual attended by its members, and some content for mutation to add to.
 */
export const checkRitualEvolution = (
  s: Scenario, spec: RitualEvolutionSpec, fail: (path: string, message: string) => never
): void => {
  const seen = new Map<string, number>()
  for (const { k, iv, group } of groupRituals(s)) {
    const at = `interventions[${k}]`
    if (!(typeof iv.target === "object" && "group" in iv.target && iv.target.group === group)) {
      fail(`${at}.target`, `an evolving ritual is attended by its group's current members: expected {"group": "${group}"}`)
    }
    if (seen.has(group)) {
      fail(at, `group "${group}" already has a ritual (interventions[${seen.get(group)}]); an evolving group has one`)
    }
    if (iv.every === undefined) fail(`${at}.every`, "an evolving ritual repeats: give its period `every`")
    seen.set(group, k)
  }
  if (seen.size < 2) {
    fail("evolution.rituals", `needs at least two groups each with a ritual (target {"group": ...}); found ${seen.size}`)
  }
  if (spec.mutation.add > 0 && !s.interventions.some((iv) => "content" in iv && Object.keys(iv.content).length > 0)) {
    fail(
      "evolution.rituals.mutation.add",
      "a ritual can gain content only if some intervention has content: give one ritual a content"
    )
  }
}

/** One ritual lineage: its traits are fixed at birth; a copy, faithful or not, is a new lineage. */
export interface RitualLineage {
  readonly id: number
  /** the lineage it was copied from (null for a scenario's ritual) */
  readonly parent: number | null
  /** the group (index into the evolving groups) that first performed it, and when */
  readonly group: number
  readonly born: number
  readonly period: number
  readonly alpha: number
  readonly duration: number
  /** ±1 per belief it asserts, 0 elsewhere (B values) */
  readonly content: Int8Array
  /** the round at which no group with members carried it any more (null while one does) */
  extinct: number | null
}

const GROUP_COLUMNS: ReadonlyArray<TableColumn> = [
  { name: "tick", type: "INTEGER", doc: "measured tick" },
  { name: "group", type: "VARCHAR", doc: "group name" },
  { name: "size", type: "INTEGER", doc: "members" },
  { name: "attachment", type: "DOUBLE", doc: "members' mean attachment (0 without members)" },
  { name: "ritual", type: "INTEGER", doc: "lineage id of the ritual the group carries" },
  { name: "period", type: "INTEGER", doc: "its period in ticks" },
  { name: "alpha", type: "DOUBLE", doc: "its intensity alpha" },
  { name: "duration", type: "INTEGER", doc: "its duration in ticks" },
  { name: "content", type: "VARCHAR", doc: "its content: +belief or -belief, space-separated, in belief order" }
]

const LINEAGE_COLUMNS: ReadonlyArray<TableColumn> = [
  { name: "id", type: "INTEGER", doc: "lineage id (the scenario's rituals are 0.., in group order)" },
  { name: "parent", type: "INTEGER", doc: "the lineage copied (null for a scenario's ritual)" },
  { name: "group", type: "VARCHAR", doc: "the group where it was born" },
  { name: "born", type: "INTEGER", doc: "tick of birth (0 for a scenario's ritual)" },
  { name: "period", type: "INTEGER", doc: "period in ticks" },
  { name: "alpha", type: "DOUBLE", doc: "intensity alpha" },
  { name: "duration", type: "INTEGER", doc: "duration in ticks" },
  { name: "content", type: "VARCHAR", doc: "content, as in groups.content" },
  { name: "extinct", type: "INTEGER", doc: "round tick at which no group with members carried it any more (null: alive)" }
]

/**
 * The ritual-evolution process of a world. Evolving groups are numbered 0.. in the order of their rituals in the
 * scenario; the ritual intervention of group e asks `phaseAt(e, t)` when it runs and `performed(e)` what it performs.
 */
export class RitualEvolution implements EvolutionProcess {
  readonly lineages: RitualLineage[] = []
  /** per evolving group: its scenario group index, and the lineage it carries now */
  readonly groups: Int32Array
  readonly carried: Int32Array
  private readonly names: ReadonlyArray<string>
  private readonly ks: ReadonlyArray<number>
  private readonly until: ReadonlyArray<number | undefined>
  /** the schedule: the lineage of the occurrence under way, its onset (-1 before the first) and the next onset */
  private readonly performing: Int32Array
  private readonly onset: Int32Array
  private readonly nextOnset: Int32Array
  /** group sizes at the previous round, for success by growth */
  private readonly lastSize: Float64Array
  private readonly rng = new Uint32Array(4)
  private readonly attachment: Float64Array
  private readonly groupRows: unknown[][] = []

  constructor(private readonly w: World, private readonly spec: RitualEvolutionSpec) {
    const rituals = groupRituals(w.scenario)
    const E = rituals.length
    this.names = rituals.map((r) => r.group)
    this.ks = rituals.map((r) => r.k)
    this.until = rituals.map((r) => r.iv.until)
    this.groups = Int32Array.from(rituals, (r) => w.groupNames.indexOf(r.group))
    this.carried = Int32Array.from(rituals, (_, e) => e)
    this.performing = Int32Array.from(rituals, (_, e) => e)
    this.onset = new Int32Array(E).fill(-1)
    this.nextOnset = Int32Array.from(rituals, (r) => r.iv.start)
    rituals.forEach((r, e) => this.lineages.push(founder(w, r.iv, e)))
    this.attachment = new Float64Array(w.constants.n)
    this.lastSize = Float64Array.from(this.sizes())
    seedStreams(this.rng, 1, w.scenario.seed, RITUAL_SALT)
  }

  /** The evolving group whose ritual is intervention k, or -1. */
  groupOfRitual(k: number): number {
    return this.ks.indexOf(k)
  }

  /**
   * Tick t's phase in group e's ritual (-1: none). Asked once per tick in tick order by the timeline: an
   * occurrence starts with the lineage carried at its onset, which sets its duration and the next onset.
   */
  phaseAt(e: number, t: number): number {
    const until = this.until[e]
    if (t >= this.nextOnset[e] && (until === undefined || t < until)) {
      const lineage = this.lineages[this.carried[e]]
      this.performing[e] = lineage.id
      this.onset[e] = t
      this.nextOnset[e] = t + lineage.period
    }
    if (this.onset[e] < 0) return -1
    const phase = t - this.onset[e]
    return phase < this.lineages[this.performing[e]].duration ? phase : -1
  }

  /** The lineage group e performs in its current occurrence. */
  performed(e: number): RitualLineage {
    return this.lineages[this.performing[e]]
  }

  afterTick(tick: number): void {
    if (tick % this.spec.every === 0) this.round(tick)
  }

  record(tick: number): void {
    const { size, attachment } = this.standing()
    for (let e = 0; e < this.groups.length; e++) {
      const l = this.lineages[this.carried[e]]
      this.groupRows.push([
        tick, this.names[e], size[e], attachment[e], l.id, l.period, l.alpha, l.duration, this.contentText(l.content)
      ])
    }
  }

  tables(): ReadonlyArray<RunTable> {
    const lineageRows = this.lineages.map((l) => [
      l.id, l.parent, this.names[l.group], l.born, l.period, l.alpha, l.duration, this.contentText(l.content), l.extinct
    ])
    return [
      { name: "groups", columns: GROUP_COLUMNS, rows: this.groupRows },
      { name: "ritual_lineages", columns: LINEAGE_COLUMNS, rows: lineageRows }
    ]
  }

  save(): unknown {
    return saveFields(this, ["lineages", "carried", "performing", "onset", "nextOnset", "lastSize", "rng", "attachment", "groupRows"])
  }

  load(saved: unknown): void {
    loadFields(this, saved)
  }

  /** One round: success from the state as it stands, then imitation, migration and extinctions. */
  private round(tick: number): void {
    const { size, attachment } = this.standing()
    const success = this.spec.success === "attachment"
      ? attachment
      : size.map((s, e) => (this.lastSize[e] > 0 ? (s - this.lastSize[e]) / this.lastSize[e] : 0))
    this.lastSize.set(size)
    this.imitate(tick, size, success)
    if (this.spec.migration) this.migrate(this.spec.migration)
    this.markExtinct(tick)
  }

  /** Each group, with chance `rate`, copies the ritual of the most successful group with members (ties: lowest). */
  private imitate(tick: number, size: ReadonlyArray<number>, success: ReadonlyArray<number>): void {
    // Models are the rituals carried at the start of the round, so the order of the groups does not matter.
    const models = Int32Array.from(this.carried)
    for (let e = 0; e < this.groups.length; e++) {
      if (nextUniform(this.rng, 0) >= this.spec.rate || size[e] === 0) continue
      let best = -1
      for (let f = 0; f < this.groups.length; f++) {
        if (size[f] > 0 && success[f] > success[e] && (best < 0 || success[f] > success[best])) best = f
      }
      if (best >= 0) this.carried[e] = this.copy(this.lineages[models[best]], e, tick)
    }
  }

  /** A new lineage in group `to`, copied from `model` with mutation. */
  private copy(model: RitualLineage, to: number, tick: number): number {
    const m = this.spec.mutation
    const period = Math.max(1, Math.round(model.period + m.period * this.gaussian()))
    const alpha = Math.max(0, model.alpha + m.alpha * this.gaussian())
    const duration = Math.min(period, Math.max(1, Math.round(model.duration + m.duration * this.gaussian())))
    const content = this.mutateContent(this.relative(model, to))
    const id = this.lineages.length
    this.lineages.push({ id, parent: model.id, group: to, born: tick, period, alpha, duration, content, extinct: null })
    return id
  }

  /**
   * The model's content as group `to` performs it: identity beliefs are relative, so "we are <the model's group>"
   * becomes "we are `to`" (the two groups' identity beliefs swap); every other belief is copied as it is. Only the
   * group where a lineage was born carries it (a copy is a new lineage), so that group is the one the content names.
   */
  private relative(model: RitualLineage, to: number): Int8Array {
    const c = this.w.constants
    const out = Int8Array.from(model.content)
    const a = c.groupIdentity[this.groups[model.group]]
    const b = c.groupIdentity[this.groups[to]]
    out[a] = model.content[b]
    out[b] = model.content[a]
    return out
  }

  /** Per belief, in order: an asserted one may flip, else be dropped; an unasserted one may be added, sign ±1. */
  private mutateContent(content: Int8Array): Int8Array {
    const { flip, drop, add } = this.spec.mutation
    for (let a = 0; a < content.length; a++) {
      if (content[a] !== 0) {
        if (nextUniform(this.rng, 0) < flip) content[a] = -content[a]
        else if (nextUniform(this.rng, 0) < drop) content[a] = 0
      } else if (nextUniform(this.rng, 0) < add) {
        content[a] = nextUniform(this.rng, 0) < 0.5 ? -1 : 1
      }
    }
    return content
  }

  /**
   * Members below the threshold, with chance `rate`, join the evolving group most common among their neighbours
   * outside their own (ties: lowest index; none: they stay). Decided on membership at the start of the round.
   */
  private migrate(migration: NonNullable<RitualEvolutionSpec["migration"]>): void {
    const c = this.w.constants
    const t = this.w.topology
    const before = Int32Array.from(c.groupOf)
    const count = new Int32Array(this.groups.length)
    for (let i = 0; i < c.n; i++) {
      const from = this.evolvingGroupOf(before[i])
      if (from < 0 || this.attachment[i] >= migration.threshold) continue
      if (nextUniform(this.rng, 0) >= migration.rate) continue
      count.fill(0)
      for (let j = t.offsets[i]; j < t.offsets[i + 1]; j++) {
        const f = this.evolvingGroupOf(before[t.neighbours[j]])
        if (f >= 0 && f !== from) count[f]++
      }
      let to = -1
      for (let f = 0; f < count.length; f++) if (count[f] > 0 && (to < 0 || count[f] > count[to])) to = f
      if (to >= 0) this.move(i, from, to)
    }
  }

  /** Agent i leaves group `from` for `to`: membership, and its identity beliefs (old −1, new +1). */
  private move(i: number, from: number, to: number): void {
    const c = this.w.constants
    const spins = this.w.state.spins
    c.groupOf[i] = this.groups[to]
    spins[i * c.B + c.groupIdentity[this.groups[from]]] = -1
    spins[i * c.B + c.groupIdentity[this.groups[to]]] = 1
  }

  /** A lineage is extinct once no group with members carries it; an empty group never fills again. */
  private markExtinct(tick: number): void {
    const size = this.sizes()
    const alive = new Uint8Array(this.lineages.length)
    for (let e = 0; e < this.groups.length; e++) if (size[e] > 0) alive[this.carried[e]] = 1
    for (const l of this.lineages) if (l.extinct === null && !alive[l.id]) l.extinct = tick
  }

  /** Sizes and members' mean attachment per evolving group; leaves each agent's attachment in `attachment`. */
  private standing(): { size: number[]; attachment: number[] } {
    const c = this.w.constants
    const size = new Array<number>(this.groups.length).fill(0)
    const sum = new Array<number>(this.groups.length).fill(0)
    for (let i = 0; i < c.n; i++) {
      this.attachment[i] = attachmentOf(c, this.w.state, i)
      const e = this.evolvingGroupOf(c.groupOf[i])
      if (e < 0) continue
      size[e]++
      sum[e] += this.attachment[i]
    }
    return { size, attachment: sum.map((s, e) => (size[e] > 0 ? s / size[e] : 0)) }
  }

  private sizes(): number[] {
    const size = new Array<number>(this.groups.length).fill(0)
    for (const g of this.w.constants.groupOf) {
      const e = this.evolvingGroupOf(g)
      if (e >= 0) size[e]++
    }
    return size
  }

  private evolvingGroupOf(g: number): number {
    return g < 0 ? -1 : this.groups.indexOf(g)
  }

  private gaussian(): number {
    return nextGaussian(this.rng, 0)
  }

  private contentText(content: Int8Array): string {
    const out: string[] = []
    for (let a = 0; a < content.length; a++) {
      if (content[a] !== 0) out.push(`${content[a] > 0 ? "+" : "-"}${this.w.beliefs[a].name}`)
    }
    return out.join(" ")
  }
}

/** A scenario's ritual as lineage e: its period (`every`, which load.ts requires), alpha, duration and content. */
const founder = (w: World, iv: Ritual, e: number): RitualLineage => {
  const period = iv.every!
  const content = new Int8Array(w.constants.B)
  for (const [name, v] of Object.entries(iv.content)) content[w.beliefIndex.get(name)!] = v
  return {
    id: e, parent: null, group: e, born: 0, period, alpha: iv.alpha, duration: Math.min(iv.duration, period),
    content, extinct: null
  }
}

/** The world's ritual evolution, when its scenario declares one. */
export const ritualEvolution = (w: World): RitualEvolution | undefined =>
  w.scenario.evolution.rituals && new RitualEvolution(w, w.scenario.evolution.rituals)

/** The ritual-evolution process among a world's processes, if it runs one. */
export const ritualEvolutionOf = (w: World): RitualEvolution | undefined =>
  w.processes.find((p): p is RitualEvolution => p instanceof RitualEvolution)
