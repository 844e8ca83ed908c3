// Psychedelic: a dose of energy at onset, random fields and a complexity bias while acute, set-and-setting content.
import { optionalContent, param, strength } from "../../scenario/fields.js"
import { addContent, contentField } from "./content.js"
import { defineIntervention, type InterventionKind } from "./kind.js"

const fields = {
  dose: param(3, "energy added at onset", { min: 0 }),
  volatility: param(0.5, "sd of the random field per belief per tick", { min: 0 }),
  complexityBias: param(0, "kappa_c: >0 flattens the coupling spectrum, <0 sharpens it", { min: -1, max: 1 }),
  content: optionalContent,
  strength
}

export const psychedelic: InterventionKind<"psychedelic", typeof fields> = defineIntervention({
  kind: "psychedelic",
  fields,
  doc: {
    parameters: "`dose` (3), `volatility` (0.5), `complexityBias` (0), `content`, `strength`",
    effect: "dose added at the onset of each occurrence; random fields N(0, volatility²) per belief per tick; complexity bias; set-and-setting content"
  },
  setup: (iv, { world: w, agents }) => {
    const x = w.inputs
    const B = w.constants.B
    const cf = contentField(w, iv.content, iv.strength)
    return (_t, phase) => {
      const onset = phase === 0
      for (const i of agents) {
        if (onset) x.heat[i] += iv.dose
        x.volatility[i] = Math.hypot(x.volatility[i], iv.volatility)
        x.complexityBias[i] += iv.complexityBias
        addContent(x.field, i, B, cf)
      }
    }
  }
})
