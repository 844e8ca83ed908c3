// Entry point of a simulation worker thread (see src/worker-pool.ts).
import { workerData } from "node:worker_threads"
import { serve, type WorkerInit } from "./worker-loop.js"

const init = workerData as WorkerInit
// Plugins are imported before the worker reports ready; without them the worker loads only the kernels.
const rules = init.plugins.length > 0 ? await (await import("./plugins.js")).workerRules(init) : []
serve(init, rules)
