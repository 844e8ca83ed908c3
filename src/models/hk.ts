// Hegselmann–Krause bounded confidence: every tick all agents move at once to the mean opinion of the neighbours
// (and themselves) within ε of them; opinions freeze into clusters more than ε apart after finitely many ticks.
import { Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { param } from "../scenario/fields.js"

export default definePlugin({
  name: "hk",
  options: Schema.Struct({
    epsilon: param(0.2, "ε: confidence bound, the largest opinion difference an agent still averages over", { above: 0, max: 1 })
  }),
  // `next` double-buffers the synchronous update; `moved` is 1 when the agent's opinion changed this tick;
  // `cluster` numbers the agent's cluster (opinions cut at gaps wider than ε) from the lowest opinion
  state: { x: "float64", next: "float64", moved: "uint8", cluster: "int32", clusterHead: "uint8" },
  view: { x: { min: 0, max: 1 } },
  init: ({ state, n, random, options }) => {
    for (let i = 0; i < n; i++) state.x[i] = random(i)
    labelClusters(state, n, options.epsilon)
  },
  rules: [
    {
      name: "average",
      over: "agents",
      run: ({ state: { x, next }, topology: { offsets, neighbours }, options: { epsilon } }, lo, hi) => {
        for (let i = lo; i < hi; i++) next[i] = confidentMean(x, i, offsets[i], offsets[i + 1], neighbours, epsilon)
      }
    },
    {
      name: "adopt",
      over: "agents",
      run: ({ state: { x, next, moved } }, lo, hi) => {
        for (let i = lo; i < hi; i++) moved[i] = next[i] === x[i] ? 0 : 1
        x.set(next.subarray(lo, hi), lo)
      }
    }
  ],
  step: ({ state, n, options }) => labelClusters(state, n, options.epsilon),
  reporters: [
    { column: "hk_mean", value: ({ state }, i) => state.x[i], reduce: "mean" },
    { column: "hk_moving", value: ({ state }, i) => state.moved[i], reduce: "sum" },
    { column: "hk_clusters", value: ({ state }, i) => state.clusterHead[i], reduce: "sum" }
  ]
})

/**
 * The mean of x over i and its neighbours within ε of x_i, summed in the order of the CSR row with i inserted
 * before its first higher-numbered neighbour: with ascending rows (generated graphs) agents that see the same set
 * sum it in the same order and land on bit-identical opinions. When every opinion in the set equals x_i the agent
 * stays put exactly (a mean of k equal numbers can round an ulp away), so a frozen cluster stops moving.
 */
function confidentMean(x: Float64Array, i: number, from: number, to: number, neighbours: Int32Array, epsilon: number): number {
  const xi = x[i]
  let sum = 0, count = 0, self = false, same = true
  for (let e = from; e < to; e++) {
    const j = neighbours[e]
    if (!self && j > i) {
      sum += xi
      count++
      self = true
    }
    if (Math.abs(x[j] - xi) <= epsilon) {
      sum += x[j]
      count++
      same &&= x[j] === xi
    }
  }
  if (!self) {
    sum += xi
    count++
  }
  return same ? xi : sum / count
}

/** cluster[i]: the agent's cluster, runs of sorted opinions without a gap wider than ε; one head per cluster. */
function labelClusters(
  state: { readonly x: Float64Array; readonly cluster: Int32Array; readonly clusterHead: Uint8Array }, n: number, epsilon: number
): void {
  const { x, cluster, clusterHead } = state
  const byOpinion = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b)
  clusterHead.fill(0)
  let label = 0
  for (let p = 0; p < n; p++) {
    if (p > 0 && x[byOpinion[p]] - x[byOpinion[p - 1]] > epsilon) label++
    if (p === 0 || label !== cluster[byOpinion[p - 1]]) clusterHead[byOpinion[p]] = 1
    cluster[byOpinion[p]] = label
  }
}
