// Entry point of a simulation worker thread (see src/worker-pool.ts).
import { workerData } from "node:worker_threads"
import { serve, type WorkerInit } from "./worker-loop.js"

serve(workerData as WorkerInit)
