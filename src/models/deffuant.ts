// Deffuant–Weisbuch bounded confidence: random pairs of neighbours meet, and when their opinions differ by less
// than ε both move toward each other by μ times the difference; opinions settle into clusters about 2ε apart.
// Random-sequential by definition (each encounter sees the last one's result), so encounters run in the model
// step on the main thread, in a fixed order: the same on any number of threads.
import { Schema } from "effect"
import { definePlugin } from "../model/plugin.js"
import { param } from "../scenario/fields.js"

export default definePlugin({
  name: "deffuant",
  options: Schema.Struct({
    epsilon: param(0.2, "ε: confidence bound, the largest opinion difference at which two agents still move", { above: 0, max: 1 }),
    mu: param(0.5, "μ: convergence parameter, the share of the difference each agent moves (0.5: both meet halfway)", { above: 0, max: 0.5 }),
    share: param(0.02, "a cluster counts in deffuant_clusters when it holds at least this share of agents", { min: 0, max: 1 })
  }),
  // `moved`: |Δx_i| summed over the tick's encounters; `cluster`: the agent's cluster, numbered by opinion from 0
  state: { x: "float64", moved: "float64", cluster: "int32", clusterHead: "uint8" },
  view: { x: { min: 0, max: 1 } },
  init: ({ state, n, random, options }) => {
    for (let i = 0; i < n; i++) state.x[i] = random(i)
    labelClusters(state, n, options.epsilon, options.share)
  },
  // One tick is n encounters. Encounter k draws from agent k's stream: the focal agent, then one of its neighbours.
  step: ({ state, n, random, options: { epsilon, mu, share }, topology: { offsets, neighbours } }) => {
    const { x, moved } = state
    moved.fill(0)
    for (let k = 0; k < n; k++) {
      const i = Math.floor(random(k) * n)
      const degree = offsets[i + 1] - offsets[i]
      if (degree === 0) continue
      const j = neighbours[offsets[i] + Math.floor(random(k) * degree)]
      const d = x[j] - x[i]
      if (Math.abs(d) >= epsilon) continue
      x[i] += mu * d
      x[j] -= mu * d
      moved[i] += Math.abs(mu * d)
      moved[j] += Math.abs(mu * d)
    }
    labelClusters(state, n, epsilon, share)
  },
  reporters: [
    { column: "deffuant_mean", value: ({ state }, i) => state.x[i], reduce: "mean" },
    { column: "deffuant_moved", value: ({ state }, i) => state.moved[i], reduce: "mean" },
    { column: "deffuant_clusters", value: ({ state }, i) => state.clusterHead[i], reduce: "sum" }
  ]
})

/**
 * Clusters are runs of the sorted opinions with no gap wider than ε (at convergence clusters are at least ε apart,
 * since closer ones still meet). cluster[i] numbers them from the lowest opinion; clusterHead marks the lowest agent
 * of each cluster holding at least `share` of the agents, so its sum counts the major clusters and leaves out the
 * few stragglers near the extremes.
 */
function labelClusters(
  state: { readonly x: Float64Array; readonly cluster: Int32Array; readonly clusterHead: Uint8Array }, n: number, gap: number, share = 0
): void {
  const { x, cluster, clusterHead } = state
  const byOpinion = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b)
  clusterHead.fill(0)
  let label = 0, start = 0
  for (let p = 0; p < n; p++) {
    if (p > 0 && x[byOpinion[p]] - x[byOpinion[p - 1]] > gap) {
      if (p - start >= share * n) clusterHead[byOpinion[start]] = 1
      label++
      start = p
    }
    cluster[byOpinion[p]] = label
  }
  if (n - start >= share * n) clusterHead[byOpinion[start]] = 1
}
