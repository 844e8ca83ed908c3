// The linear threshold model of Watts (2002): an inactive agent adopts once the share of its neighbours that have
// adopted reaches its threshold φ, and never drops out; from one random seed, a cascade either stalls or spreads
// through the graph. Synchronous: every agent reads its neighbours' adoptions of the last tick.
import { Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { param, Probability } from "../scenario/fields.js"
import { randomAgents } from "./lib/random-agents.js"

export default definePlugin({
  name: "threshold",
  options: Schema.Struct({
    phi: Probability(0.18, "φ: share of adopted neighbours at which an agent adopts"),
    seeds: param(1, "agents adopted at tick 0, chosen at random", { int: true, min: 0 })
  }),
  // `next` double-buffers the tick: every agent reads its neighbours' adoptions of the last tick.
  state: { adopted: "int8", next: "int8" },
  view: { adopted: { categories: ["not adopted", "adopted"] } },
  init: ({ state, n, random, options }) => {
    for (const i of randomAgents(n, options.seeds, random)) state.adopted[i] = 1
  },
  rules: [
    {
      name: "adopt",
      over: "agents",
      run: ({ state: { adopted, next }, topology: { offsets, neighbours }, options }, lo, hi) => {
        for (let i = lo; i < hi; i++) {
          next[i] = adopted[i]
          const degree = offsets[i + 1] - offsets[i]
          // an isolated agent has no share of adopted neighbours: it keeps what it has
          if (adopted[i] === 1 || degree === 0) continue
          let active = 0
          for (let e = offsets[i]; e < offsets[i + 1]; e++) active += adopted[neighbours[e]]
          if (active / degree >= options.phi) next[i] = 1
        }
      }
    },
    { name: "advance", over: "agents", run: ({ state }, lo, hi) => state.adopted.set(state.next.subarray(lo, hi), lo) }
  ],
  reporters: [{ column: "threshold_adopted", value: ({ state }, i) => state.adopted[i], reduce: "mean" }]
})
