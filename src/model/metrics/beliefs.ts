// Beliefs over the population: the mean of each belief (its magnetisation), and disagreement.
import type { World } from "../world.js"
import { SLOTS } from "../kernel.js"
import { defineMetrics } from "./family.js"

/** mean_i s_i[a] for every belief a. */
const beliefMeans = (w: World): Float64Array => {
  const { n, B } = w.constants
  const spins = w.state.spins
  const means = new Float64Array(B)
  for (let i = 0; i < n; i++) for (let a = 0; a < B; a++) means[a] += spins[i * B + a]
  for (let a = 0; a < B; a++) means[a] /= n
  return means
}

export const disagreement = defineMetrics({
  family: "disagreement",
  slots: ["edgeDiffer", "edgePairs"],
  accumulate: ({ w, perAgent, slot }) => {
    const means = beliefMeans(w)
    let disagreement = 0
    for (let a = 0; a < means.length; a++) disagreement += 1 - means[a] ** 2
    let differ = 0, pairs = 0
    for (let i = 0; i < w.constants.n; i++) {
      differ += perAgent[i * SLOTS + slot.edgeDiffer]
      pairs += perAgent[i * SLOTS + slot.edgePairs]
    }
    return { beliefs: disagreement / means.length, edges: pairs > 0 ? differ / pairs : 0 }
  },
  columns: [
    { name: "disagreement_mean", doc: "mean over beliefs of 1 − (mean_i s_i[a])²", value: (a) => a.beliefs },
    {
      name: "edge_disagreement",
      doc: "share of (edge, belief) pairs whose ends differ (each undirected edge counted from both ends)",
      value: (a) => a.edges
    }
  ]
})

export const beliefs = defineMetrics({
  family: "beliefs",
  slots: [],
  accumulate: ({ w }) => beliefMeans(w),
  columns: [{ each: "belief", name: (b) => `belief_${b}_mean`, doc: "mean of s (the magnetisation)", values: (m) => m }]
})
