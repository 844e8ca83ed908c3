// The Ising model on the social graph under heat-bath (Glauber) dynamics: one spin s_i = ±1 per agent, coupled to its
// neighbours by the edge weights, at temperature T. Colour class by colour class, so no two neighbours update together
// and each agent sees its neighbours' current spins: one tick is one sweep of the whole graph.
import { Effect, Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { param } from "../scenario/fields.js"

export default definePlugin({
  name: "ising",
  options: Schema.Struct({
    T: param(2, "temperature (couplings are the edge weights, J = 1 on unweighted graphs)", { above: 0 }),
    h: param(0, "external field on every spin", {}),
    start: Schema.Literals(["random", "up"]).annotate({ description: "spins at tick 0: independent ±1 (random, T = ∞) or all +1 (up, T = 0)" })
      .pipe(Schema.withDecodingDefaultKey(Effect.succeed("random" as const)))
  }),
  state: { spin: "int8" },
  view: { spin: { min: -1, max: 1 } },
  init: ({ state, n, random, options }) => {
    for (let i = 0; i < n; i++) state.spin[i] = options.start === "up" || random(i) < 0.5 ? 1 : -1
  },
  rules: [
    {
      name: "heat bath",
      over: "classes",
      run: ({ state: { spin }, topology: { offsets, neighbours, weights, order }, random, options }, lo, hi) => {
        for (let p = lo; p < hi; p++) {
          const i = order[p]
          let field = options.h
          for (let e = offsets[i]; e < offsets[i + 1]; e++) field += weights[e] * spin[neighbours[e]]
          // P(s_i = +1) = e^{βH} / (e^{βH} + e^{−βH}), whatever the spin was
          spin[i] = random(i) < 1 / (1 + Math.exp((-2 * field) / options.T)) ? 1 : -1
        }
      }
    }
  ],
  reporters: [
    { column: "ising_m", value: ({ state }, i) => state.spin[i], reduce: "mean" },
    {
      column: "ising_energy",
      // −½ Σ_j w_ij s_i s_j − h s_i per agent: the mean is the energy per spin (each bond counted once over the pair)
      value: ({ state: { spin }, topology: { offsets, neighbours, weights }, options }, i) => {
        let bonds = 0
        for (let e = offsets[i]; e < offsets[i + 1]; e++) bonds += weights[e] * spin[neighbours[e]]
        return -spin[i] * (bonds / 2 + options.h)
      },
      reduce: "mean"
    }
  ]
})
