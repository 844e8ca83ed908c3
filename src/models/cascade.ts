// The independent cascade model (Goldenberg, Libai & Muller 2001; Kempe, Kleinberg & Tardos 2003): an agent activated
// at one tick gets one chance, at the next, to activate each inactive neighbour, succeeding with probability p; then
// it stays active but spent. From the seeds, the cascade ends at the first tick that activates nobody.
import { Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { param, Probability } from "../scenario/fields.js"
import { randomAgents } from "./lib/random-agents.js"

/** Agent statuses, the values of the `status` array: `FRESH` agents were activated last tick and try this tick. */
export const INACTIVE = 0
export const FRESH = 1
export const SPENT = 2

export default definePlugin({
  name: "cascade",
  options: Schema.Struct({
    p: Probability(0.1, "p: chance that a freshly activated agent activates one inactive neighbour, tried once per edge"),
    seeds: param(1, "agents active at tick 0, chosen at random (unless seedIds names them)", { int: true, min: 0 }),
    seedIds: Schema.optionalKey(Schema.Array(Schema.Union([Schema.String, Schema.Number])).annotate({
      description: "the agents active at tick 0, by their ids in the graph (in place of `seeds` random ones)"
    }))
  }),
  // `next` double-buffers the tick: every agent reads its neighbours' statuses of the last tick.
  state: { status: "int8", next: "int8" },
  view: { status: { categories: ["inactive", "fresh", "spent"] } },
  init: ({ state, n, random, options, world }) => {
    const seeded = options.seedIds === undefined ? randomAgents(n, options.seeds, random) : agentsById(world.graph.keys, options.seedIds)
    for (const i of seeded) state.status[i] = FRESH
  },
  rules: [
    {
      name: "activate",
      over: "agents",
      run: ({ state: { status, next }, topology: { offsets, neighbours }, random, options }, lo, hi) => {
        for (let i = lo; i < hi; i++) {
          next[i] = status[i] === INACTIVE ? INACTIVE : SPENT
          if (status[i] !== INACTIVE) continue
          let tries = 0
          for (let e = offsets[i]; e < offsets[i + 1]; e++) if (status[neighbours[e]] === FRESH) tries++
          // the tries of the `tries` fresh neighbours are independent: one draw against 1 − (1 − p)^tries, from i's stream
          if (tries > 0 && random(i) < 1 - (1 - options.p) ** tries) next[i] = FRESH
        }
      }
    },
    { name: "advance", over: "agents", run: ({ state }, lo, hi) => state.status.set(state.next.subarray(lo, hi), lo) }
  ],
  reporters: [
    { column: "cascade_active", value: ({ state }, i) => (state.status[i] === INACTIVE ? 0 : 1), reduce: "mean" },
    { column: "cascade_fresh", value: ({ state }, i) => (state.status[i] === FRESH ? 1 : 0), reduce: "mean" }
  ]
})

/** Agent indices of graph ids (numbers match their decimal keys); an unknown id is an error naming it. */
const agentsById = (keys: ReadonlyArray<string>, ids: ReadonlyArray<string | number>): number[] => {
  const byKey = new Map(keys.map((k, i) => [k, i]))
  return ids.map((id, k) => {
    const i = byKey.get(String(id))
    if (i === undefined) throw new Error(`cascade: options.seedIds[${k}]: no agent with id "${id}" in the graph`)
    return i
  })
}
