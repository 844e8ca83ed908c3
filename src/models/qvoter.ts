// The nonlinear q-voter model (Castellano, Muñoz & Pastor-Satorras 2009): a random agent consults q random
// neighbours (repetition allowed) and takes their opinion if they agree; if they do not, it flips with probability ε.
import { Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { hashUniform } from "../model/rng.js"
import { param, Probability } from "../scenario/fields.js"
import { randomAgents } from "./lib/random-agents.js"
import { SCHEDULE } from "./voter.js"

export default definePlugin({
  name: "qvoter",
  options: Schema.Struct({
    p0: param(0.5, "initial share of opinion 1 (rounded to whole agents)", { min: 0, max: 1 }),
    q: param(2, "q, the neighbours consulted per update (with repetition); q = 1 is the voter model", { int: true, min: 1, max: 64 }),
    epsilon: Probability(0, "ε, the chance that an agent flips when its q neighbours do not agree")
  }),
  // opinion: 0 or 1; changed: the time (in ticks, n updates each) of the agent's last change of opinion
  state: { opinion: "int8", changed: "float64" },
  view: { opinion: { categories: ["0", "1"] } },
  // The voter model's draws: the same agents in the same order, so that q = 1 replays kiln:voter run for run.
  init: ({ state, n, random, options }) => {
    for (const i of randomAgents(n, Math.round(options.p0 * n), random)) state.opinion[i] = 1
  },
  // Random-sequential, as the model is defined: n single updates per tick on the main thread, in a fixed order.
  // Update k of tick t hashes (seed, t, k, draw) as kiln:voter does: draw 0 the agent, 1..q the neighbours, q + 1
  // the flip.
  step: ({ state, n, world, topology: { offsets, neighbours }, options: { q, epsilon } }, tick) => {
    const { opinion, changed } = state
    const key = world.scenario.seed ^ SCHEDULE
    for (let k = 0; k < n; k++) {
      const i = Math.floor(hashUniform(key, tick, k, 0) * n)
      const degree = offsets[i + 1] - offsets[i]
      if (degree === 0) continue
      let ones = 0
      for (let d = 1; d <= q; d++) ones += opinion[neighbours[offsets[i] + Math.floor(hashUniform(key, tick, k, d) * degree)]]
      const next = ones === q ? 1 : ones === 0 ? 0 : hashUniform(key, tick, k, q + 1) < epsilon ? 1 - opinion[i] : opinion[i]
      if (next !== opinion[i]) {
        opinion[i] = next
        changed[i] = tick - 1 + (k + 1) / n
      }
    }
  },
  reporters: [{ column: "qvoter_share", value: ({ state }, i) => state.opinion[i], reduce: "mean" }]
})
