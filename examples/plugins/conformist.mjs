// Conformist-biased transmission of a binary cultural trait (Boyd & Richerson 1985): every generation each agent
// samples 3 demonstrators among its neighbours and adopts the majority's variant with a probability over-weighted
// by D, so the frequency p of trait 1 moves by D·p(1−p)(2p−1) in expectation.
import { Schema } from "effect"
import { definePlugin } from "kiln/plugin"

export default definePlugin({
  name: "conformist",
  options: Schema.Struct({
    D: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })),
    p0: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
  }),
  // `next` double-buffers the generation: every agent reads the old traits, so agents can run in any split.
  state: { trait: "int8", next: "int8" },
  // the viewer's colour mode `conformist.trait`: one colour per variant
  view: { trait: { categories: ["0", "1"] } },
  init: ({ state, n, random, options }) => {
    for (let i = 0; i < n; i++) state.trait[i] = random(i) < options.p0 ? 1 : 0
  },
  rules: [
    {
      name: "learn",
      over: "agents",
      run: ({ state, topology: { offsets, neighbours }, random, options }, lo, hi) => {
        for (let i = lo; i < hi; i++) {
          const degree = offsets[i + 1] - offsets[i]
          if (degree === 0) { state.next[i] = state.trait[i]; continue }
          let ones = 0
          for (let d = 0; d < 3; d++) ones += state.trait[neighbours[offsets[i] + Math.floor(random(i) * degree)]]
          // 2 of 3 for trait 1: adopt it with 2/3 + D/3; 1 of 3: with 1/3 − D/3; unanimity is copied.
          const adopt = ones === 3 ? 1 : ones === 0 ? 0 : ones === 2 ? (2 + options.D) / 3 : (1 - options.D) / 3
          state.next[i] = random(i) < adopt ? 1 : 0
        }
      }
    },
    { name: "adopt", over: "agents", run: ({ state }, lo, hi) => state.trait.set(state.next.subarray(lo, hi), lo) }
  ],
  reporters: [{ column: "trait_p", value: ({ state }, i) => state.trait[i], reduce: "mean" }]
})
