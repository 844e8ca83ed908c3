// Friedkin–Johnsen opinion dynamics: every agent moves to a mix of its own initial opinion (its prejudice, with
// weight θ_i, its stubbornness) and the weighted mean of its neighbours' opinions, so disagreement persists.
import { Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { param } from "../scenario/fields.js"

const Options = Schema.Struct({
  stubbornness: param(0.3, "θ: mean weight of an agent's initial opinion in each update", { min: 0, max: 1 }),
  spread: param(0, "θ_i is uniform on [θ − spread, θ + spread] (0: every agent has θ)", { min: 0, max: 0.5 })
}).check(Schema.makeFilter((o) => {
  const most = Math.min(o.stubbornness, 1 - o.stubbornness)
  return o.spread <= most ? undefined : { path: ["spread"], issue: `θ_i would leave [0, 1]: at most ${most} around stubbornness ${o.stubbornness}` }
}))

export default definePlugin({
  name: "friedkin_johnsen",
  options: Options,
  // x0: the prejudice x(0); `next` double-buffers the synchronous update; `moved` is |x(t+1) − x(t)|;
  // `deviation` is |x_i − mean x|, set at each tick by the step for the disagreement reporter
  state: { x0: "float64", x: "float64", next: "float64", theta: "float64", moved: "float64", deviation: "float64" },
  view: { x: { min: 0, max: 1 }, theta: { min: 0, max: 1 } },
  init: ({ state, n, random, options, topology: { weights } }) => {
    // W_ij = w_ij / Σ_k w_ik is a row-stochastic matrix only when no weight is negative
    if (weights.some((w) => w < 0)) throw new Error("friedkin_johnsen: the graph has negative weights; W = w_ij / Σ w_ik needs weights >= 0 (weights.mean > 0, weights.sd 0)")
    for (let i = 0; i < n; i++) {
      state.x0[i] = state.x[i] = random(i)
      state.theta[i] = options.stubbornness + options.spread * (2 * random(i) - 1)
    }
    setDeviation(state.x, state.deviation, n)
  },
  rules: [
    {
      name: "influence",
      over: "agents",
      run: ({ state: { x0, x, next, theta }, topology: { offsets, neighbours, weights } }, lo, hi) => {
        for (let i = lo; i < hi; i++) next[i] = theta[i] * x0[i] + (1 - theta[i]) * neighbourMean(x, i, offsets, neighbours, weights)
      }
    },
    {
      name: "adopt",
      over: "agents",
      run: ({ state: { x, next, moved } }, lo, hi) => {
        for (let i = lo; i < hi; i++) moved[i] = Math.abs(next[i] - x[i])
        x.set(next.subarray(lo, hi), lo)
      }
    }
  ],
  step: ({ state: { x, deviation }, n }) => setDeviation(x, deviation, n),
  reporters: [
    { column: "friedkin_johnsen_mean", value: ({ state }, i) => state.x[i], reduce: "mean" },
    { column: "friedkin_johnsen_disagreement", value: ({ state }, i) => state.deviation[i], reduce: "mean" },
    { column: "friedkin_johnsen_moved", value: ({ state }, i) => state.moved[i], reduce: "mean" }
  ]
})

/**
 * (W x)_i = Σ_j w_ij x_j / Σ_j w_ij, summed in CSR order (the same on every thread); an agent with no weight
 * on anyone (isolated) listens to itself, W_ii = 1.
 */
function neighbourMean(x: Float64Array, i: number, offsets: Int32Array, neighbours: Int32Array, weights: Float32Array): number {
  let total = 0, weighted = 0
  for (let e = offsets[i]; e < offsets[i + 1]; e++) {
    total += weights[e]
    weighted += weights[e] * x[neighbours[e]]
  }
  return total > 0 ? weighted / total : x[i]
}

/** deviation_i = |x_i − mean x|: its mean over agents is the disagreement that stubbornness keeps alive. */
function setDeviation(x: Float64Array, deviation: Float64Array, n: number): void {
  let sum = 0
  for (let i = 0; i < n; i++) sum += x[i]
  for (let i = 0; i < n; i++) deviation[i] = Math.abs(x[i] - sum / n)
}
