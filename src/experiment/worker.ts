// The worker thread of a sweep: receives one run at a time, answers with its outcome (rows transferred, not copied).
// A run with threads > 1 starts its own pool of stepping threads from here.
import { parentPort } from "node:worker_threads"
import { Effect } from "effect"
import { runJob, type RunJob } from "./run.js"

parentPort!.on("message", (job: RunJob) => {
  void Effect.runPromise(runJob(job)).then((outcome) => parentPort!.postMessage(outcome, [outcome.rows.buffer as ArrayBuffer]))
})
