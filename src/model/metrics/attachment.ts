// Group attachment (docs/MODEL.md §10): the mean over each group's members.
import { SLOTS } from "../kernel.js"
import { defineMetrics } from "./family.js"

export const attachment = defineMetrics({
  family: "attachment",
  slots: ["attachment"],
  accumulate: ({ w, perAgent, slot }) => {
    const G = w.groupNames.length
    const sum = new Array<number>(G).fill(0)
    const count = new Array<number>(G).fill(0)
    for (let i = 0; i < w.constants.n; i++) {
      const g = w.constants.groupOf[i]
      if (g < 0) continue
      sum[g] += perAgent[i * SLOTS + slot.attachment]
      count[g]++
    }
    return sum.map((v, g) => (count[g] > 0 ? v / count[g] : 0))
  },
  columns: [{ each: "group", name: (g) => `attachment_${g}`, doc: "§10", values: (a) => a }]
})
