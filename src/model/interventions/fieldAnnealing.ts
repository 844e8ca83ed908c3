// Field annealing: local heat on dissonant beliefs and violated couplings, and a gentle consonant field.
import { param } from "../../scenario/fields.js"
import { defineIntervention, type InterventionKind } from "./kind.js"

const fields = {
  heat: param(1, "extra temperature on dissonant beliefs and couplings", { min: 0 }),
  consonance: param(0.2, "gentle field toward each belief's internal coherent value", { min: 0 })
}

export const fieldAnnealing: InterventionKind<"fieldAnnealing", typeof fields> = defineIntervention({
  kind: "fieldAnnealing",
  fields,
  doc: {
    parameters: "`heat` (1), `consonance` (0.2)",
    effect: "beliefs that disagree with their field (s_a f_a < 0) update at T + heat; couplings the beliefs violate (W s_a s_b < 0) reorganise at the plasticity of ε + heat; a gentle field `consonance`·sign(internal field)"
  },
  setup: (iv, { world: w, agents }) => {
    const x = w.inputs
    return () => {
      for (const i of agents) {
        x.fieldHeat[i] += iv.heat
        x.consonance[i] += iv.consonance
      }
    }
  }
})
