// Energy sinks (social media, intellectual work): faster cooling.
import { param } from "../../scenario/fields.js"
import { defineIntervention, type InterventionKind } from "./kind.js"

const fields = {
  load: param(1, "extra cooling: gamma is multiplied by 1 + load", { min: 0 })
}

export const sinks: InterventionKind<"sinks", typeof fields> = defineIntervention({
  kind: "sinks",
  fields,
  doc: {
    parameters: "`load` (1)",
    effect: "cooling ×(1 + load) (social media, intellectual work)"
  },
  setup: (iv, { world: w, agents }) => {
    const x = w.inputs
    return () => {
      for (const i of agents) x.sinks[i] += iv.load
    }
  }
})
