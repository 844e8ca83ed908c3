// SIR and SIS contagion (Kermack & McKendrick 1927) in discrete time on the social graph: each tick a susceptible
// agent escapes each infected neighbour with probability 1 − β, and an infected agent recovers with probability γ
// (SIR: immune for good; SIS: susceptible again). Synchronous: every agent reads the statuses of the last tick.
import { Effect, Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { param, Probability } from "../scenario/fields.js"
import { randomAgents } from "./lib/random-agents.js"

/** Agent statuses, the values of the `status` array. */
export const SUSCEPTIBLE = 0
export const INFECTED = 1
export const RECOVERED = 2

export default definePlugin({
  name: "sir",
  options: Schema.Struct({
    model: Schema.Literals(["SIR", "SIS"]).annotate({ description: "SIR: recovery is for good; SIS: recovered agents are susceptible again" })
      .pipe(Schema.withDecodingDefaultKey(Effect.succeed("SIR" as const))),
    beta: Probability(0.05, "β: chance per tick that one infected neighbour infects a susceptible agent"),
    gamma: Probability(0.2, "γ: chance per tick that an infected agent recovers"),
    seeds: param(1, "agents infected at tick 0, chosen at random", { int: true, min: 0 })
  }),
  // `next` double-buffers the tick: every agent reads its neighbours' statuses of the last tick.
  state: { status: "int8", next: "int8" },
  view: { status: { categories: ["susceptible", "infected", "recovered"] } },
  init: ({ state, n, random, options }) => {
    for (const i of randomAgents(n, options.seeds, random)) state.status[i] = INFECTED
  },
  rules: [
    {
      name: "transmit",
      over: "agents",
      run: ({ state: { status, next }, topology: { offsets, neighbours }, random, options }, lo, hi) => {
        const relapse = options.model === "SIS" ? SUSCEPTIBLE : RECOVERED
        for (let i = lo; i < hi; i++) {
          next[i] = status[i]
          if (status[i] === INFECTED) {
            if (random(i) < options.gamma) next[i] = relapse
          } else if (status[i] === SUSCEPTIBLE) {
            let infected = 0
            for (let e = offsets[i]; e < offsets[i + 1]; e++) if (status[neighbours[e]] === INFECTED) infected++
            // one draw against the chance of not escaping all `infected` neighbours: 1 − (1 − β)^infected
            if (infected > 0 && random(i) < 1 - (1 - options.beta) ** infected) next[i] = INFECTED
          }
        }
      }
    },
    { name: "advance", over: "agents", run: ({ state }, lo, hi) => state.status.set(state.next.subarray(lo, hi), lo) }
  ],
  reporters: [
    { column: "sir_susceptible", value: ({ state }, i) => (state.status[i] === SUSCEPTIBLE ? 1 : 0), reduce: "mean" },
    { column: "sir_infected", value: ({ state }, i) => (state.status[i] === INFECTED ? 1 : 0), reduce: "mean" },
    { column: "sir_recovered", value: ({ state }, i) => (state.status[i] === RECOVERED ? 1 : 0), reduce: "mean" }
  ]
})
