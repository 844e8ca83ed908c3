// Kiln's public API, as a table of contents.

// # Scenarios: data in, validated
export { ScenarioSpec, type Scenario, type ScenarioInput, type Intervention } from "./scenario/schema.js"
export { decodeScenario, loadScenario, applyOverride, scenarioJsonSchema } from "./scenario/load.js"
export { InputError, RunError, formatInputError } from "./errors.js"

// # Social graphs: generators, files, graphology interop
export type { SocialGraph } from "./graph/social-graph.js"
export * as generators from "./graph/generators.js"
export { readGraphFile } from "./graph/files.js"
export { toGraphology, fromGraphology } from "./graph/graphology.js"
export { buildGraph } from "./graph/build.js"
export { compileTopology, type Topology } from "./graph/topology.js"

// # The model: state, kernels, worlds
export { makeWorld, type World, type BeliefInfo } from "./world.js"
export { Kernel, type Constants } from "./kernel.js"
export type { AgentState, Inputs } from "./state.js"
export * as beliefNetwork from "./belief-network.js"

// # Stepping and data collection
export { Engine } from "./engine.js"
export { metricColumns, type MetricsTable } from "./metrics.js"
export { runLoop, isRecorded, type LoopOptions, type LoopResult, type Pace } from "./run-loop.js"
export { StopRules, type StopRule, type StopRuleInput } from "./stop-rules.js"
export { simulate, simulation$, prepareWorld, resolveScenario } from "./simulation.js"
export type { SimulateOptions, SimulationResult, TickSummary } from "./simulation.js"
export { Scheduler, type SchedulerShape } from "./scheduler.js"
export { WorkerPool, WorkerError } from "./worker-pool.js"
export { live$, runLive, type LiveTick } from "./live.js"

// # Outputs
export { writeRun, defaultRunDir, toCsv, type RunRecord } from "./output.js"
export { FrameRecorder, decodeFrames, type Frames } from "./frames.js"
export { KILN_VERSION } from "./version.js"

// # Viewer
export { serveRun, serveLive, type ServeOptions } from "./serve/index.js"

// # Experiments
export * from "./experiment/api.js"
