// The registry of metric families, in column order: metrics.csv's columns and each row are built from this list,
// and so is the table in docs/MODEL.md §Metrics. A new metric is one family file added here.
import { Slot } from "../kernel.js"
import type { World } from "../world.js"
import { attachment } from "./attachment.js"
import { beliefs, disagreement } from "./beliefs.js"
import { dissonance } from "./dissonance.js"
import { energy } from "./energy.js"
import { type ColumnContext, eachCount, eachNames, type MetricFamily } from "./family.js"
import { groups } from "./groups.js"
import { memes } from "./memes.js"
import { variants } from "./variants.js"
import { patterns } from "./patterns.js"
import { structure } from "./structure.js"
import { tick } from "./tick.js"

export { type Column, type ColumnContext, defineMetrics, type MetricFamily, type SlotName } from "./family.js"

export const metricFamilies: ReadonlyArray<MetricFamily> = [
  tick, energy, dissonance, structure, disagreement, memes, variants, attachment, groups, patterns, beliefs
]

/** The families whose columns a world (or scenario) has, in order. */
const familiesOf = (c: ColumnContext): ReadonlyArray<MetricFamily> => metricFamilies.filter((f) => f.when?.(c) ?? true)

/** The metrics table's column names, in order. */
export const metricColumns = (c: ColumnContext): string[] =>
  familiesOf(c).flatMap((f) => f.columns.flatMap((col) => ("each" in col ? eachNames(col, c) : [col.name])))

/** Reduces per-agent values (`perAgent`, filled by Kernel.measure) and the state into one metrics row. */
export const reduce = (w: World, tickNo: number, perAgent: Float64Array): number[] => {
  const row: number[] = []
  for (const f of familiesOf(w)) {
    const a = f.accumulate({ w, tick: tickNo, perAgent, slot: Slot })
    for (const col of f.columns) {
      if (!("each" in col)) {
        row.push(col.value(a))
        continue
      }
      const values = col.values(a)
      const count = eachCount(col, w)
      if (values.length !== count) {
        throw new Error(`metrics/${f.family}: ${count} ${String(col.each)} columns but ${values.length} values`)
      }
      for (let k = 0; k < count; k++) row.push(values[k])
    }
  }
  return row
}
