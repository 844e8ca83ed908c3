// Shock: the world changes (factual truths flip for everyone at onset); the targets get surprise energy.
import { Effect, Schema } from "effect"
import { param } from "../../scenario/fields.js"
import { defineIntervention, type InterventionKind } from "./kind.js"

const fields = {
  flip: Schema.Array(Schema.String).annotate({ description: "factual beliefs whose truth flips at onset" }).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed([]))
  ),
  surprise: param(0, "energy input per tick (travel, a convention)", { min: 0 })
}

export const shock: InterventionKind<"shock", typeof fields> = defineIntervention({
  kind: "shock",
  fields,
  doc: {
    parameters: "`flip` ([]), `surprise` (0)",
    effect: "at onset the truth of the listed factual beliefs flips (the world changes for everyone); targets get `surprise` energy per tick"
  },
  check: (iv, at, { scenario: s, fail }) => {
    iv.flip.forEach((b, k) => {
      if (s.beliefs.find((x) => x.name === b)?.kind !== "factual") fail(`${at}.flip[${k}]`, `expected a factual belief, got "${b}"`)
    })
  },
  setup: (iv, { world: w, agents }) => {
    const x = w.inputs
    const flipped = Int32Array.from(iv.flip, (b) => w.beliefIndex.get(b)!)
    return (_t, phase) => {
      if (phase === 0) for (const b of flipped) w.state.truth[b] *= -1
      for (const i of agents) x.heat[i] += iv.surprise
    }
  }
})
