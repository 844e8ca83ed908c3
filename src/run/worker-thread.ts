// Starting a worker thread on Kiln's own code: the compiled `<name>.js` next to the caller, or — running from the
// TypeScript sources (tests, tsx) — a boot file that registers tsx first, since Node 20 cannot load .ts workers.
import { Worker, type WorkerOptions } from "node:worker_threads"

/** A worker running the module `./<name>` relative to `callerUrl` (the caller's `import.meta.url`). */
export const startWorker = (callerUrl: string, name: string, options: WorkerOptions = {}): Worker =>
  callerUrl.endsWith(".ts")
    ? new Worker(new URL("./worker-boot.mjs", import.meta.url), { ...options, argv: [new URL(`./${name}.ts`, callerUrl).href] })
    : new Worker(new URL(`./${name}.js`, callerUrl), options)
