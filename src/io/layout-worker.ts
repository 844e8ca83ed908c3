// The layout worker: receives one LayoutJob, posts back the positions (transferred, not copied).
import { parentPort } from "node:worker_threads"
import { layoutGraph, type LayoutJob } from "./layout.js"

parentPort!.once("message", (job: LayoutJob) => {
  const xy = layoutGraph(job, job.options)
  parentPort!.postMessage(xy, [xy.buffer as ArrayBuffer])
})
