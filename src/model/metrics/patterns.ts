// Negative attractors (docs/MODEL.md §11): the share of agents in each pattern.
import { SLOTS } from "../kernel.js"
import { defineMetrics } from "./family.js"

export const patterns = defineMetrics({
  family: "patterns",
  slots: ["patterns"],
  accumulate: ({ w, perAgent, slot }) => {
    const K = w.scenario.patterns.length
    const out = new Array<number>(K).fill(0)
    for (let i = 0; i < w.constants.n; i++) {
      // The kernel packs agreement with pattern k into bit k.
      const bits = perAgent[i * SLOTS + slot.patterns]
      for (let k = 0; k < K; k++) if (bits & (1 << k)) out[k]++
    }
    return out.map((v) => v / w.constants.n)
  },
  columns: [{ each: "pattern", name: (p) => `occupancy_${p}`, doc: "§11", values: (a) => a }]
})
