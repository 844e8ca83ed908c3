// The worker thread of a sweep: receives one run at a time, answers with its outcome (rows transferred, not copied).
import { parentPort } from "node:worker_threads"
import { executeRun, type RunJob } from "./run.js"

parentPort!.on("message", (job: RunJob) => {
  const outcome = executeRun(job)
  parentPort!.postMessage(outcome, [outcome.rows.buffer as ArrayBuffer])
})
