// The structure of belief networks: frustrated triads and effective rank of W.
import { SLOTS } from "../kernel.js"
import { defineMetrics } from "./family.js"

export const structure = defineMetrics({
  family: "structure",
  slots: ["frustration", "complexity"],
  accumulate: ({ w, perAgent, slot }) => {
    const n = w.constants.n
    let frustration = 0, triadAgents = 0, complexity = 0
    for (let i = 0; i < n; i++) {
      // A negative value marks an agent without a triad of three non-zero weights.
      const f = perAgent[i * SLOTS + slot.frustration]
      if (f >= 0) {
        frustration += f
        triadAgents++
      }
      complexity += perAgent[i * SLOTS + slot.complexity]
    }
    return { frustration: triadAgents > 0 ? frustration / triadAgents : 0, complexity: complexity / n }
  },
  columns: [
    {
      name: "frustration_mean",
      doc: "share of frustrated triads of sign(W_i) among triads with three non-zero weights, averaged over agents that have such triads (0 when B < 3)",
      value: (a) => a.frustration
    },
    {
      name: "complexity_mean",
      doc: "effective rank of W_i over B: exp(H)/B, H the Shannon entropy of the normalised |eigenvalues| (1/B… for rank one, 1 for a flat spectrum, 0 for W = 0)",
      value: (a) => a.complexity
    }
  ]
})
