// The voter model (Clifford & Sudbury 1973; Holley & Liggett 1975), with optional zealots (Mobilia 2003): one
// random agent at a time copies the opinion of one random neighbour; zealots never change.
import { Effect, Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { hashUniform } from "../model/rng.js"
import { param } from "../scenario/fields.js"
import { randomAgents } from "./lib/random-agents.js"

/** Salt of the counter-based draws of the updates, apart from every other use of the seed (shared with kiln:qvoter). */
export const SCHEDULE = 0x766f7465

const Zealots = Schema.Struct({
  opinion: Schema.Literals([0, 1]).annotate({ description: "the opinion these zealots hold for ever" }),
  fraction: param(0, "share of all agents that are zealots of this opinion", { min: 0, max: 1 })
})

export default definePlugin({
  name: "voter",
  options: Schema.Struct({
    p0: param(0.5, "initial share of opinion 1 among the agents that are not zealots (rounded to whole agents)", { min: 0, max: 1 }),
    zealots: Schema.Array(Zealots)
      .check(Schema.makeFilter((groups) => groups.reduce((a, z) => a + z.fraction, 0) <= 1 || "the zealots' fractions add up to more than 1"))
      .annotate({ description: "groups of agents that never change their opinion (default none)" })
      .pipe(Schema.withDecodingDefaultKey(Effect.succeed([])))
  }),
  // opinion: 0 or 1; zealot: 1 for an agent that never changes; changed: the time (in ticks, n updates each) of
  // the agent's last change of opinion, so the last change of all is the exact consensus time
  state: { opinion: "int8", zealot: "int8", changed: "float64" },
  view: { opinion: { categories: ["0", "1"] }, zealot: { categories: ["free", "zealot"] } },
  init: ({ state, n, random, options }) => {
    // Exact counts, not Bernoulli draws: all agents in a random order (one uniform each from its own stream).
    const ranked = randomAgents(n, n, random)
    let next = 0
    for (const z of options.zealots) {
      for (const end = Math.min(n, next + Math.round(z.fraction * n)); next < end; next++) {
        state.zealot[ranked[next]] = 1
        state.opinion[ranked[next]] = z.opinion
      }
    }
    const ones = Math.round(options.p0 * (n - next))
    for (let k = 0; k < ones; k++) state.opinion[ranked[next + k]] = 1
  },
  // Random-sequential, as the model is defined: n single updates per tick on the main thread, in a fixed order.
  // Update k of tick t draws the agent (draw 0) and its neighbour (draw 1) by hashing (seed, t, k, draw): the
  // updates never share a stream with the built-in kernels, so they do not depend on how many draws those took.
  step: ({ state, n, world, topology: { offsets, neighbours } }, tick) => {
    const { opinion, zealot, changed } = state
    const key = world.scenario.seed ^ SCHEDULE
    for (let k = 0; k < n; k++) {
      const i = Math.floor(hashUniform(key, tick, k, 0) * n)
      const degree = offsets[i + 1] - offsets[i]
      if (zealot[i] === 1 || degree === 0) continue
      const copied = opinion[neighbours[offsets[i] + Math.floor(hashUniform(key, tick, k, 1) * degree)]]
      if (copied !== opinion[i]) {
        opinion[i] = copied
        changed[i] = tick - 1 + (k + 1) / n
      }
    }
  },
  reporters: [{ column: "voter_share", value: ({ state }, i) => state.opinion[i], reduce: "mean" }]
})
