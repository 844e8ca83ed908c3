// Seeding a meme: at onset the targets take the meme's content and salience 1.
import { Schema } from "effect"
import { defineIntervention, type InterventionKind } from "./kind.js"

const fields = {
  meme: Schema.String
}

export const seedMeme: InterventionKind<"seedMeme", typeof fields> = defineIntervention({
  kind: "seedMeme",
  fields,
  doc: {
    parameters: "`meme`",
    effect: "at onset, targets take the meme's content and salience 1 (with meme evolution: they carry the founder variant)"
  },
  check: (iv, at, { scenario: s, fail }) => {
    if (!s.memes.some((m) => m.name === iv.meme)) {
      fail(`${at}.meme`, `unknown meme "${iv.meme}" (known: ${s.memes.map((m) => m.name).join(", ") || "none"})`)
    }
  },
  setup: (iv, { world: w, agents }) => {
    const { constants: c, state, memeVariants } = w
    const m = w.scenario.memes.findIndex((x) => x.name === iv.meme)
    // With meme evolution the founder is row m of the variant table; without, column m of the meme arrays.
    const content = memeVariants ? state.variantContent : c.memeContent
    return (_t, phase) => {
      if (phase !== 0) return
      for (const i of agents) {
        for (let a = 0; a < c.B; a++) {
          const v = content[m * c.B + a]
          if (v !== 0) state.spins[i * c.B + a] = v
        }
        if (memeVariants) memeVariants.seed(i, m)
        else state.salience[i * c.M + m] = 1
      }
    }
  }
})
