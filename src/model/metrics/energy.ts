// Energy, temperature and plasticity over the population (read from the state, no per-agent slots).
import { plasticity } from "../kernel.js"
import { defineMetrics } from "./family.js"

export const energy = defineMetrics({
  family: "energy",
  slots: [],
  accumulate: ({ w }) => {
    const { constants: c, state: s } = w
    const n = c.n
    let e1 = 0, T = 0, p = 0
    for (let i = 0; i < n; i++) {
      const e = s.energy[i]
      e1 += e
      T += c.tau0 + e
      p += plasticity(e, c.theta, c.saturation)
    }
    const mean = e1 / n
    let e2 = 0
    for (let i = 0; i < n; i++) e2 += (s.energy[i] - mean) ** 2
    return { mean, sd: Math.sqrt(e2 / n), temperature: T / n, plasticity: p / n }
  },
  columns: [
    { name: "energy_mean", doc: "mean of ε", value: (a) => a.mean },
    { name: "energy_sd", doc: "population sd of ε", value: (a) => a.sd },
    { name: "temperature_mean", doc: "mean of τ0 + ε", value: (a) => a.temperature },
    { name: "plasticity_mean", doc: "mean p", value: (a) => a.plasticity }
  ]
})
