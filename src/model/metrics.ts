// Metrics: named reporters reduced from per-agent values in agent order, so results never depend on partitioning.
// The reporters are the metric families registered in ./metrics/index.ts.

/** A tidy table: one row per recorded tick, columns named as in docs/MODEL.md §Metrics. */
export interface MetricsTable {
  readonly columns: ReadonlyArray<string>
  readonly rows: Array<ReadonlyArray<number>>
}

export { metricColumns, reduce } from "./metrics/index.js"
