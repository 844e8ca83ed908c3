// Prestige-biased transmission (Henrich & Gil-White 2001): every generation each agent copies the cultural trait of
// one neighbour, chosen with probability proportional to the neighbour's prestige, so the traits of high-prestige
// agents spread. Prestige is lognormal, drawn once per agent from its own stream.
import { Schema } from "effect"
import { definePlugin } from "kiln/plugin"

const Fraction = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))

export default definePlugin({
  name: "prestige",
  options: Schema.Struct({
    // sd of log-prestige: 0 makes every agent equal (unbiased copying); larger values concentrate influence
    sigma: Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)),
    // share of agents starting with trait 1
    p0: Fraction,
    // who starts with it: agents at random, or the most (least) prestigious ones
    seedOn: Schema.Literals(["random", "high", "low"])
  }),
  // `next` double-buffers the generation: every agent reads the old traits, so agents can run in any split.
  // `model` is the neighbour copied last (-1: none), to see whom agents learn from.
  state: { prestige: "float64", trait: "int32", next: "int32", model: "int32" },
  // the viewer's colour mode `prestige.trait`: one colour per variant
  view: { trait: { categories: ["0", "1"] } },
  init: ({ state, n, random, options }) => {
    for (let i = 0; i < n; i++) state.prestige[i] = Math.exp(options.sigma * normal(random, i))
    state.model.fill(-1)
    if (options.seedOn === "random") {
      for (let i = 0; i < n; i++) state.trait[i] = random(i) < options.p0 ? 1 : 0
      return
    }
    // by prestige, ties by index, so the seeded agents do not depend on the sort's stability
    const ranked = Array.from({ length: n }, (_, i) => i).sort((a, b) => state.prestige[b] - state.prestige[a] || a - b)
    const seeded = options.seedOn === "high" ? ranked.slice(0, Math.round(options.p0 * n)) : ranked.slice(n - Math.round(options.p0 * n))
    for (const i of seeded) state.trait[i] = 1
  },
  rules: [
    {
      name: "copy",
      over: "agents",
      run: ({ state, topology: { offsets, neighbours }, random }, lo, hi) => {
        for (let i = lo; i < hi; i++) {
          const model = pick(state.prestige, neighbours, offsets[i], offsets[i + 1], random(i))
          state.model[i] = model
          state.next[i] = model < 0 ? state.trait[i] : state.trait[model]
        }
      }
    },
    { name: "adopt", over: "agents", run: ({ state }, lo, hi) => state.trait.set(state.next.subarray(lo, hi), lo) }
  ],
  reporters: [
    { column: "prestige_trait_p", value: ({ state }, i) => state.trait[i], reduce: "mean" }
  ]
})

/** A neighbour in neighbours[from..to) with probability prestige/Σ prestige, by one uniform u; -1 without neighbours. */
function pick(prestige, neighbours, from, to, u) {
  if (from === to) return -1
  let total = 0
  for (let e = from; e < to; e++) total += prestige[neighbours[e]]
  let left = u * total
  for (let e = from; e < to - 1; e++) {
    left -= prestige[neighbours[e]]
    if (left < 0) return neighbours[e]
  }
  // rounding may leave a sliver past the last but one: it belongs to the last neighbour
  return neighbours[to - 1]
}

/** A standard normal from agent i's stream (Box–Muller; 1 − u keeps the logarithm finite). */
function normal(random, i) {
  return Math.sqrt(-2 * Math.log(1 - random(i))) * Math.cos(2 * Math.PI * random(i))
}
