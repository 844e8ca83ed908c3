// Kiln's public API, as a table of contents.

// # Scenarios: data in, validated
export { ScenarioSpec, type Scenario, type ScenarioInput, type Intervention } from "./scenario/schema.js"
export { decodeScenario, loadScenario, applyOverride, scenarioJsonSchema } from "./scenario/load.js"
export { InputError, RunError, formatInputError } from "./errors.js"

// # Social graphs: generators, files, graphology interop
export type { SocialGraph } from "./model/graph/social-graph.js"
export * as generators from "./model/graph/generators.js"
export { readGraphFile } from "./io/graph-files.js"
export { toGraphology, fromGraphology } from "./model/graph/graphology.js"
export { buildGraph } from "./run/build-graph.js"
export { compileTopology, type Topology } from "./model/graph/topology.js"

// # The model: state, kernels, worlds
export { makeWorld, type World, type BeliefInfo } from "./model/world.js"
export { Kernel, type Constants } from "./model/kernel.js"
export type { AgentState, Inputs } from "./model/state.js"
export * as beliefNetwork from "./model/belief-network.js"

// # Cultural evolution: meme variants and evolving rituals (docs/EVOLUTION.md)
export { worldTables, evolutionProcesses } from "./model/evolution/index.js"
export type { EvolutionProcess, ProcessFactory, RunTable, TableColumn } from "./model/evolution/process.js"
export { MemeVariants, type LineageRecord, type VariantSummary } from "./model/evolution/variants.js"
export { priceTerms, type PriceTerms } from "./model/evolution/price.js"
export { MEME_TRAITS, type MemeTrait } from "./scenario/evolution.js"

// # Plugins: per-agent state, rules, model steps, reporters and intervention kinds (docs/PLUGINS.md)
export { definePlugin, isPlugin, elementTypes } from "./model/plugin.js"
export type {
  Plugin, PluginSpec, PluginContext, RuleContext, Rule, Reporter, StateSpec, PluginState, ElementType, StateArray, PluginInstance,
  ViewScale, ViewSpec
} from "./model/plugin.js"
export {
  defineIntervention, type InterventionKind, type KindDoc, type Setup, type Apply, type Scheduled
} from "./model/interventions/index.js"
export { loadPlugins, loadScenarioWithPlugins } from "./run/plugins.js"

// # Stepping and data collection
export { Engine } from "./model/engine.js"
export { metricColumns, type MetricsTable } from "./model/metrics.js"
export { runLoop, isRecorded, type LoopOptions, type LoopResult, type Pace } from "./run/loop.js"
export { StopRules, type StopRule, type StopRuleInput } from "./run/stop-rules.js"
export { simulate, simulation$, prepareWorld, resolveScenario } from "./run/simulation.js"
export { readCheckpoint, checkpointsIn, type Checkpoint } from "./run/checkpoint.js"
export { resumeRun, worldFromCheckpoint, type ContinueOptions } from "./run/resume.js"
export type { SimulateOptions, SimulationResult, TickSummary } from "./run/simulation.js"
export { Scheduler, type SchedulerShape } from "./run/scheduler.js"
export { WorkerPool, WorkerError } from "./run/worker-pool.js"
export { live$, runLive, type LiveTick } from "./run/live.js"

// # Outputs
export { writeRun, defaultRunDir, toCsv, type RunRecord } from "./io/run-dir.js"
export { FrameRecorder, decodeFrames, type Frames } from "./io/frames.js"
export { KILN_VERSION } from "./version.js"

// # Viewer
export { serveRun, serveLive, type ServeOptions } from "./serve/index.js"

// # Experiments
export * from "./experiment/api.js"

// # Sensitivity analysis (Sobol/Saltelli, Morris)
export * from "./experiment/sensitivity/index.js"

// # Calibration (ABC-SMC)
export * from "./experiment/calibrate/index.js"
