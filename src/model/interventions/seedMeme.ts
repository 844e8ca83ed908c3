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
    effect: "at onset, targets take the meme's content and salience 1"
  },
  check: (iv, at, { scenario: s, fail }) => {
    if (!s.memes.some((m) => m.name === iv.meme)) {
      fail(`${at}.meme`, `unknown meme "${iv.meme}" (known: ${s.memes.map((m) => m.name).join(", ") || "none"})`)
    }
  },
  setup: (iv, { world: w, agents }) => {
    const { constants: c, state } = w
    const m = w.scenario.memes.findIndex((x) => x.name === iv.meme)
    return (_t, phase) => {
      if (phase !== 0) return
      for (const i of agents) {
        for (let a = 0; a < c.B; a++) {
          const v = c.memeContent[m * c.B + a]
          if (v !== 0) state.spins[i * c.B + a] = v
        }
        state.salience[i * c.M + m] = 1
      }
    }
  }
})
