// Cultural transmission of a binary trait with a bias (Boyd & Richerson 1985; Henrich & Gil-White 2001; Mesoudi 2021):
// every generation each agent learns from demonstrators among its neighbours — unbiased, content (direct),
// conformist or prestige-biased copying — then mutates with probability μ. A practice can heat its holders.
import { Effect, Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { param, Probability } from "../scenario/fields.js"
import { randomAgents } from "./lib/random-agents.js"

const BIASES = ["unbiased", "direct", "conformist", "prestige"] as const
type Bias = (typeof BIASES)[number]

export default definePlugin({
  name: "transmission",
  options: Schema.Struct({
    bias: Schema.Literals(BIASES)
      .annotate({ description: "how a learner picks among demonstrators (default unbiased)" })
      .pipe(Schema.withDecodingDefaultKey(Effect.succeed("unbiased" as Bias))),
    p0: param(0.5, "initial share of trait 1 (rounded to whole agents)", { min: 0, max: 1 }),
    s: Probability(0.1, "direct bias: when two demonstrators differ, trait 1 is adopted with chance (1 + s)/2"),
    D: Probability(0.3, "conformist bias: the majority of three demonstrators is adopted with chance (2 + D)/3"),
    sigma: param(1, "prestige bias: sd of log-prestige (0: all equal, unbiased copying)", { min: 0, max: 10 }),
    mu: Probability(0, "μ: chance that a learner's trait flips after learning"),
    heat: param(0, "energy input per tick to each holder of trait 1, for the built-in model (a practice that anneals)", { min: 0, max: 10 })
  }),
  // `next` double-buffers the generation: every agent learns from the old traits, so agents can run in any split.
  state: { trait: "int8", next: "int8", prestige: "float64" },
  view: { trait: { categories: ["0", "1"] } },
  init: ({ state, n, random, options }) => {
    // an exact count, chosen by one uniform per agent from its own stream
    for (const i of randomAgents(n, Math.round(options.p0 * n), random)) state.trait[i] = 1
    for (let i = 0; i < n; i++) state.prestige[i] = options.bias === "prestige" ? Math.exp(options.sigma * normal(random, i)) : 1
  },
  rules: [
    {
      name: "learn",
      over: "agents",
      run: ({ state: { trait, next, prestige }, topology: { offsets, neighbours }, random, options }, lo, hi) => {
        for (let i = lo; i < hi; i++) {
          const from = offsets[i], degree = offsets[i + 1] - from
          let learnt = trait[i]
          // demonstrators are drawn with repetition, each by one uniform of the learner's stream
          if (degree > 0 && options.bias === "unbiased") learnt = shown(trait, neighbours, from, degree, random(i))
          else if (degree > 0 && options.bias === "direct") {
            const a = shown(trait, neighbours, from, degree, random(i)), b = shown(trait, neighbours, from, degree, random(i))
            learnt = direct(a, b, options.s, random(i))
          } else if (degree > 0 && options.bias === "conformist") {
            let ones = 0
            for (let d = 0; d < 3; d++) ones += shown(trait, neighbours, from, degree, random(i))
            learnt = random(i) < conformist(ones, options.D) ? 1 : 0
          } else if (degree > 0) learnt = trait[byPrestige(prestige, neighbours, from, from + degree, random(i))]
          next[i] = options.mu > 0 && random(i) < options.mu ? 1 - learnt : learnt
        }
      }
    },
    { name: "adopt", over: "agents", run: ({ state }, lo, hi) => state.trait.set(state.next.subarray(lo, hi), lo) }
  ],
  // Holders of trait 1 receive `heat` in the next tick's energy input (main thread; while an intervention is
  // active the timeline clears the inputs every tick, and this heat with them).
  step: ({ state: { trait }, n, world, options: { heat } }) => {
    if (heat === 0) return
    for (let i = 0; i < n; i++) world.inputs.heat[i] = heat * trait[i]
  },
  reporters: [{ column: "transmission_p", value: ({ state }, i) => state.trait[i], reduce: "mean" }]
})

/** The trait of a neighbour of the agent whose neighbours are neighbours[from..from + degree), drawn by one uniform u. */
const shown = (trait: Int8Array, neighbours: Int32Array, from: number, degree: number, u: number): number =>
  trait[neighbours[from + Math.floor(u * degree)]]

/** Two demonstrators: the same trait is copied; different ones give trait 1 with chance (1 + s)/2, so p' = p + s p(1−p). */
const direct = (a: number, b: number, s: number, u: number): number => (a === b ? a : u < (1 + s) / 2 ? 1 : 0)

/** Chance of adopting trait 1 when `ones` of three demonstrators hold it, so p' = p + D p(1−p)(2p−1). */
const conformist = (ones: number, D: number): number => (ones === 3 ? 1 : ones === 0 ? 0 : ones === 2 ? (2 + D) / 3 : (1 - D) / 3)

/** A neighbour in neighbours[from..to) with chance prestige/Σ prestige, by one uniform u. */
const byPrestige = (prestige: Float64Array, neighbours: Int32Array, from: number, to: number, u: number): number => {
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
const normal = (random: (i: number) => number, i: number): number =>
  Math.sqrt(-2 * Math.log(1 - random(i))) * Math.cos(2 * Math.PI * random(i))
