// Ritual: collective effervescence. Attendees gain energy α·sync, take the ritual's content and bond.
import { Schema } from "effect"
import { hashUniform } from "../rng.js"
import { optionalContent, param, Probability, strength } from "../../scenario/fields.js"
import { ritualEvolutionOf, type RitualEvolution } from "../evolution/rituals.js"
import type { World } from "../world.js"
import type { Inputs } from "../state.js"
import { addContent, contentField, type ContentField } from "./content.js"
import { defineIntervention, type Apply, type InterventionKind, type Member, type Scheduled, type Setup } from "./kind.js"

const ATTEND_SALT = 0x61747465

const fields = {
  group: Schema.optionalKey(Schema.String.annotate({ description: "the group whose attendance sets sync" })),
  content: optionalContent,
  strength,
  alpha: param(1, "energy per tick at full synchrony", { min: 0 }),
  bond: param(0.5, "conformity multiplier among co-participants is 1 + bond", { min: 0 }),
  attendance: Probability(1, "chance each targeted agent attends a given tick")
}

export const ritual: InterventionKind<"ritual", typeof fields> = defineIntervention({
  kind: "ritual",
  fields,
  doc: {
    parameters: "`group`, `content` ({}), `strength` (1), `alpha` (1), `bond` (0.5), `attendance` (1)",
    effect: "each target attends with probability `attendance` (a counter-based draw); attendees gain α·sync, where sync = share of the group attending (or of the targets, without a group); content field; conformity among co-attendees ×(1 + bond). With `evolution.rituals`, a group's ritual takes its period, duration, α and content from the lineage the group carries, and its targets are the group's current members (docs/EVOLUTION.md)"
  },
  check: (iv, at, refs) => {
    if (iv.group !== undefined) refs.group(iv.group, `${at}.group`)
  },
  setup: (iv, on) => {
    const evolution = ritualEvolutionOf(on.world)
    const e = evolution ? evolution.groupOfRitual(on.k) : -1
    return evolution && e >= 0 ? evolvingRitual(iv, on, evolution, e) : fixedRitual(iv, on)
  }
})

type Ritual = Member<"ritual", typeof fields>["Type"]

/** Rituals are numbered in scenario order; the kernels look up the bond by that number. */
const ritualNumber = (w: World, k: number): number =>
  w.scenario.interventions.slice(0, k).filter((o) => o.kind === "ritual").length

/** A ritual as the scenario declares it: fixed traits, the targets resolved at the start. */
const fixedRitual = (iv: Ritual, { world: w, agents, k }: Setup): Apply => {
  const x = w.inputs
  const B = w.constants.B
  const r = ritualNumber(w, k)
  const cf = contentField(w, iv.content, iv.strength)
  const seed = w.scenario.seed ^ ATTEND_SALT
  const attending = new Int32Array(agents.length)
  const groupName = iv.group ?? (typeof iv.target === "object" && "group" in iv.target ? iv.target.group : undefined)
  const g = groupName === undefined ? -1 : w.graph.groupNames.indexOf(groupName)
  let size = 0
  if (groupName !== undefined) for (let i = 0; i < w.graph.n; i++) if (w.graph.group[i] === g) size++
  return (t) => {
    let count = 0
    for (const i of agents) {
      if (iv.attendance >= 1 || hashUniform(seed, t, i, k) < iv.attendance) attending[count++] = i
    }
    let sync: number
    if (groupName === undefined) sync = agents.length > 0 ? count / agents.length : 0
    else {
      let present = 0
      for (let j = 0; j < count; j++) if (w.graph.group[attending[j]] === g) present++
      sync = size > 0 ? present / size : 0
    }
    attend(x, B, r, iv.bond, attending, count, iv.alpha * sync, cf)
  }
}

/**
 * Group e's evolving ritual (src/model/evolution/rituals.ts): its schedule, alpha and content are those of the
 * lineage the group performs; its group's current members are the targets, since members migrate.
 */
const evolvingRitual = (iv: Ritual, { world: w, k }: Setup, evolution: RitualEvolution, e: number): Scheduled => {
  const x = w.inputs
  const { B, n, groupOf } = w.constants
  const r = ritualNumber(w, k)
  const g = evolution.groups[e]
  const seed = w.scenario.seed ^ ATTEND_SALT
  const attending = new Int32Array(n)
  let cf = lineageField(evolution.performed(e).content, iv.strength)
  let cfLineage = evolution.performed(e).id
  const apply: Apply = (t) => {
    const lineage = evolution.performed(e)
    if (lineage.id !== cfLineage) {
      cf = lineageField(lineage.content, iv.strength)
      cfLineage = lineage.id
    }
    let size = 0
    let count = 0
    for (let i = 0; i < n; i++) {
      if (groupOf[i] !== g) continue
      size++
      if (iv.attendance >= 1 || hashUniform(seed, t, i, k) < iv.attendance) attending[count++] = i
    }
    const sync = size > 0 ? count / size : 0
    attend(x, B, r, iv.bond, attending, count, lineage.alpha * sync, cf)
  }
  return { apply, phaseAt: (t) => evolution.phaseAt(e, t) }
}

/** The attendees attending[0..count) of ritual r gain `heat`, take its content field and bond with each other. */
const attend = (
  x: Inputs, B: number, r: number, bond: number, attending: Int32Array, count: number, heat: number, cf: ContentField
): void => {
  x.bond[r] = bond
  for (let j = 0; j < count; j++) {
    const i = attending[j]
    x.heat[i] += heat
    x.ritual[i] = r
    addContent(x.field, i, B, cf)
  }
}

/** A lineage's content (±1 per asserted belief) as a field of the given strength. */
const lineageField = (content: Int8Array, strength: number): ContentField => {
  const index: number[] = []
  for (let a = 0; a < content.length; a++) if (content[a] !== 0) index.push(a)
  return { index: Int32Array.from(index), value: Float64Array.from(index, (a) => strength * content[a]) }
}
