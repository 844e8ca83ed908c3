// Preloaded by bench/e2e.mjs: writes the process's peak resident set (every thread's memory) to the file named by
// KILN_BENCH_RSS_FILE when the process exits.
const { writeFileSync } = require("node:fs")
const { isMainThread } = require("node:worker_threads")
process.on("exit", () => {
  if (isMainThread && process.env.KILN_BENCH_RSS_FILE) writeFileSync(process.env.KILN_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024))
})
