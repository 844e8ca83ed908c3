// The tick a row was recorded at.
import { defineMetrics } from "./family.js"

export const tick = defineMetrics({
  family: "tick",
  slots: [],
  accumulate: (r) => r.tick,
  columns: [{ name: "tick", doc: "ticks completed", value: (t) => t }]
})
