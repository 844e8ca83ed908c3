// The public API of experiments: load, expand, sweep (Promise + rxjs progress, or an Effect; on a cluster too), merge, export, report, plot (Muller plots of lineages too).
export { ExperimentSpec } from "./schema.js"
export {
  loadExperiment, decodeExperiment, loadExperimentWithPlugins, decodeExperimentWithPlugins, experimentJsonSchema, withRunCounts,
  type Experiment, type RunCounts
} from "./load.js"
export { expandDesign, shardRuns, runSeed, commonSeed, type Design, type DesignPoint, type PlannedRun, type FactorColumn } from "./design.js"
export { sweep, runSweep, defaultDb, type SweepOptions, type SweepProgress, type SweepSummary, type SweepResult, type SweepHandle } from "./sweep.js"
export { runJob, type RunJob, type RunOutcome } from "./run.js"
export { runClusterSweep, collectOutcomes, type ClusterSweepOptions, type ClusterSweepSummary } from "./cluster/sweep.js"
export { runnerLayer, type RunnerOptions } from "./cluster/runner.js"
export { query as queryResults } from "./store.js"
export { mergeDbs, type MergeSummary } from "./merge.js"
export { exportDb, type ExportFormat } from "./export.js"
export { reportHtml, writeReport } from "./report.js"
export { plot, plotMuller, renderSvg, type PlotOptions, type MullerPlotOptions } from "./plot.js"
export { mullerLayout, type LineageNode, type HostCount, type MullerLayout, type Clade } from "./muller.js"
export { loadLineages, mullerSpec, type RunLineages } from "./muller-chart.js"
