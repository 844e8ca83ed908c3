// The Moran process (Moran 1958; on graphs, Lieberman, Hauert & Nowak 2005) and the Wright–Fisher process: mutants
// of fitness r among residents of fitness 1 reproduce in proportion to fitness until one type is fixed.
import { Effect, Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { hashUniform } from "../model/rng.js"
import { param } from "../scenario/fields.js"
import { randomAgents } from "./lib/random-agents.js"

/** Salt of the counter-based draws of the Moran events, apart from every other use of the seed. */
const SCHEDULE = 0x6d6f7261

export default definePlugin({
  name: "moran",
  options: Schema.Struct({
    r: param(1.1, "fitness of the mutant; residents have fitness 1", { above: 0, max: 1000 }),
    mutants: param(1, "mutants at tick 0, chosen at random", { int: true, min: 0 }),
    process: Schema.Literals(["moran", "wright-fisher"])
      .annotate({ description: "moran: one birth and one death at a time, n per tick; wright-fisher: a whole generation per tick (default moran)" })
      .pipe(Schema.withDecodingDefaultKey(Effect.succeed("moran" as const)))
  }),
  // mutant: 1 for a mutant, 0 for a resident; `next` double-buffers a Wright–Fisher generation
  state: { mutant: "int8", next: "int8" },
  view: { mutant: { categories: ["resident", "mutant"] } },
  init: ({ state, n, random, options }) => {
    if (options.mutants > n) throw new Error(`moran: options.mutants is ${options.mutants}, more than the ${n} agents`)
    for (const i of randomAgents(n, options.mutants, random)) state.mutant[i] = 1
  },
  rules: [
    {
      // each agent's offspring slot is filled by a parent from its closed neighbourhood (itself and its
      // neighbours), chosen with probability ∝ fitness: on a complete graph, the classical Wright–Fisher sampling
      name: "generation",
      over: "agents",
      run: ({ state, topology: { offsets, neighbours }, random, options: { r, process } }, lo, hi) => {
        if (process !== "wright-fisher") return
        const { mutant, next } = state
        for (let i = lo; i < hi; i++) {
          let total = mutant[i] === 1 ? r : 1
          for (let e = offsets[i]; e < offsets[i + 1]; e++) total += mutant[neighbours[e]] === 1 ? r : 1
          let left = random(i) * total - (mutant[i] === 1 ? r : 1)
          let parent = i
          for (let e = offsets[i]; e < offsets[i + 1] && left >= 0; e++) {
            parent = neighbours[e]
            left -= mutant[parent] === 1 ? r : 1
          }
          next[i] = mutant[parent]
        }
      }
    },
    {
      name: "replace",
      over: "agents",
      run: ({ state, options: { process } }, lo, hi) => {
        if (process === "wright-fisher") state.mutant.set(state.next.subarray(lo, hi), lo)
      }
    }
  ],
  // Moran is random-sequential, as defined: n birth–death events per tick on the main thread, in a fixed order.
  // The parent is drawn ∝ fitness by rejection (a uniform candidate, kept with chance fitness / largest fitness);
  // its offspring replaces a random neighbour (birth–death on graphs). Event k of tick t hashes (seed, t, k, draw),
  // apart from the agents' streams (as kiln:voter does): draw 0 the neighbour, 2a + 2 and 2a + 3 the
  // candidate and its acceptance at attempt a.
  step: ({ state: { mutant }, n, world, topology: { offsets, neighbours }, options: { r, process } }, tick) => {
    if (process !== "moran") return
    const key = world.scenario.seed ^ SCHEDULE
    const largest = Math.max(r, 1)
    for (let k = 0; k < n; k++) {
      let parent = -1
      for (let draw = 2; parent < 0; draw += 2) {
        const i = Math.floor(hashUniform(key, tick, k, draw) * n)
        if (hashUniform(key, tick, k, draw + 1) * largest < (mutant[i] === 1 ? r : 1)) parent = i
      }
      const degree = offsets[parent + 1] - offsets[parent]
      if (degree > 0) mutant[neighbours[offsets[parent] + Math.floor(hashUniform(key, tick, k, 0) * degree)]] = mutant[parent]
    }
  },
  reporters: [{ column: "moran_mutants", value: ({ state }, i) => state.mutant[i], reduce: "mean" }]
})
