// Meditation: slower cooling and a content-free energy input; metta adds its content and the valence source.
import { Effect, Schema } from "effect"
import { optionalContent, param, Probability, strength } from "../../scenario/fields.js"
import { addContent, contentField } from "./content.js"
import { defineIntervention, type InterventionKind } from "./kind.js"

const fields = {
  variant: Schema.Literals(["concentration", "metta"]).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed("concentration" as const))
  ),
  depth: Probability(0.8, "cooling is multiplied by 1 - depth"),
  sensory: param(0.2, "content-free energy input per tick", { min: 0 }),
  content: optionalContent,
  strength,
  valence: param(0, "valence energy source nu (metta)", { min: 0 })
}

export const meditation: InterventionKind<"meditation", typeof fields> = defineIntervention({
  kind: "meditation",
  fields,
  doc: {
    parameters: "`variant` (`concentration`/`metta`), `depth` (0.8), `sensory` (0.2), `content`, `strength`, `valence` (0)",
    effect: "cooling ×(1 − depth); content-free energy input `sensory`; metta adds its content field and the valence source"
  },
  setup: (iv, { world: w, agents }) => {
    const x = w.inputs
    const B = w.constants.B
    const cf = contentField(w, iv.content, iv.strength)
    const metta = iv.variant === "metta"
    return () => {
      for (const i of agents) {
        x.depth[i] = Math.max(x.depth[i], iv.depth)
        x.heat[i] += iv.sensory
        if (metta) {
          x.valence[i] += iv.valence
          addContent(x.field, i, B, cf)
        }
      }
    }
  }
})
