// Ritual: collective effervescence. Attendees gain energy α·sync, take the ritual's content and bond.
import { Schema } from "effect"
import { hashUniform } from "../rng.js"
import { optionalContent, param, Probability, strength } from "../../scenario/fields.js"
import { addContent, contentField } from "./content.js"
import { defineIntervention, type InterventionKind } from "./kind.js"

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
    effect: "each target attends with probability `attendance` (a counter-based draw); attendees gain α·sync, where sync = share of the group attending (or of the targets, without a group); content field; conformity among co-attendees ×(1 + bond)"
  },
  check: (iv, at, refs) => {
    if (iv.group !== undefined) refs.group(iv.group, `${at}.group`)
  },
  setup: (iv, { world: w, agents, k }) => {
    const x = w.inputs
    const B = w.constants.B
    // Rituals are numbered in scenario order; the kernels look up the bond by that number.
    const r = w.scenario.interventions.slice(0, k).filter((o) => o.kind === "ritual").length
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
      x.bond[r] = iv.bond
      for (let j = 0; j < count; j++) {
        const i = attending[j]
        x.heat[i] += iv.alpha * sync
        x.ritual[i] = r
        addContent(x.field, i, B, cf)
      }
    }
  }
})
