// Internal and social dissonance: how far each agent's beliefs are from its own network and its neighbours.
import { SLOTS } from "../kernel.js"
import { defineMetrics } from "./family.js"

export const dissonance = defineMetrics({
  family: "dissonance",
  slots: ["dissonance", "social"],
  accumulate: ({ w, perAgent, slot }) => {
    const n = w.constants.n
    let D = 0, S = 0
    for (let i = 0; i < n; i++) {
      D += perAgent[i * SLOTS + slot.dissonance]
      S += perAgent[i * SLOTS + slot.social]
    }
    return { internal: D / n, social: S / n }
  },
  columns: [
    { name: "dissonance_mean", doc: "mean D_i", value: (a) => a.internal },
    { name: "social_dissonance_mean", doc: "mean S_i", value: (a) => a.social }
  ]
})
