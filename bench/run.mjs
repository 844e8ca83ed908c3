// The benchmark suite (`npm run bench`): each measurement in a fresh child process; prints a table and
// writes bench/results/latest.json. Ratios (speedup) come from runs made back to back in this one session.
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { availableParallelism, cpus } from "node:os"

const here = new URL(".", import.meta.url)
const node = (script, args) =>
  JSON.parse(execFileSync(process.execPath, [new URL(script, here).pathname, ...args.map(String)], { encoding: "utf8" }).trim().split("\n").pop())

const log = (s) => process.stderr.write(s + "\n")

// The JavaScript kernel beside the C reference (bench/ref/), same world, one thread; ratio = JS / C updates/s.
const kernels = []
for (const agents of [100_000, 1_000_000]) {
  for (const mode of ["hot", "cold"]) {
    const ticks = agents > 100_000 ? 3 : 10
    log(`kernel: ${agents} agents, B = 16, Barabási–Albert m = 5, ${mode}, one thread, JavaScript and C`)
    const js = node("kernel.mjs", [agents, ticks, mode])
    const c = node("ref.mjs", [agents, ticks, mode])
    kernels.push({ agents, mode, js: js.updates_per_s, c: c.updates_per_s ?? null, ratio: c.updates_per_s ? js.updates_per_s / c.updates_per_s : null, skipped: c.skipped })
  }
}
const kernelAt = (agents, mode) => kernels.find((k) => k.agents === agents && k.mode === mode)
const hot = { updates_per_s: kernelAt(100_000, "hot").js }
const cold = { updates_per_s: kernelAt(100_000, "cold").js }

const sizes = [
  { agents: 10_000, ticks: 100 },
  { agents: 100_000, ticks: 10 },
  { agents: 1_000_000, ticks: 3 }
]
const runs = []
for (const { agents, ticks } of sizes) {
  for (const threads of [1, 2]) {
    log(`ticks: ${agents} agents, ${threads} thread(s), ${ticks} ticks`)
    runs.push(node("ticks.mjs", [agents, threads, ticks]))
  }
}
const at = (agents, threads) => runs.find((r) => r.agents === agents && r.threads === threads)

// Least-squares slope of log(seconds per tick) against log(agents), one thread.
const xs = sizes.map((s) => Math.log(s.agents))
const ys = sizes.map((s) => Math.log(1 / at(s.agents, 1).ticks_per_s))
const mx = xs.reduce((a, b) => a + b) / xs.length
const my = ys.reduce((a, b) => a + b) / ys.length
const slope = xs.reduce((a, x, k) => a + (x - mx) * (ys[k] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0)

// End to end through the CLI (bench/e2e.mjs): the workloads, with the default outputs.
const endToEnd = [
  [1_000_000, 16, 100, 2, 1],
  [1_000_000, 16, 100, 2, 10],
  [10_000_000, 4, 10, 2, 1]
].map(([agents, beliefs, ticks, threads, every]) => {
  log(`kiln run: ${agents} agents, B = ${beliefs}, ${ticks} ticks, ${threads} threads, recordEvery ${every}`)
  return node("e2e.mjs", [agents, beliefs, ticks, threads, every])
})
log("kiln sweep: 1,000 runs of 200 agents × 100 ticks, 2 workers")
const smallRuns = node("small-runs.mjs", [1000, 2])

const million = at(1_000_000, 2)
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? "unknown",
  cores: availableParallelism(),
  kernel_updates_per_s: hot.updates_per_s,
  kernel_updates_per_s_cold: cold.updates_per_s,
  kernel_vs_c: kernels,
  ticks_per_s: Object.fromEntries(sizes.map((s) => [s.agents, { 1: at(s.agents, 1).ticks_per_s, 2: at(s.agents, 2).ticks_per_s }])),
  speedup: Object.fromEntries(sizes.map((s) => [s.agents, at(s.agents, 2).ticks_per_s / at(s.agents, 1).ticks_per_s])),
  bytes_per_agent: million.peak_rss_bytes / 1_000_000,
  scaling_exponent: slope,
  million_agents_100_ticks_s: million.setup_seconds + 100 / million.ticks_per_s,
  end_to_end: endToEnd,
  small_runs: smallRuns,
  runs
}
mkdirSync(new URL("results/", here), { recursive: true })
writeFileSync(new URL("results/latest.json", here), JSON.stringify(result, null, 2) + "\n")

const formatGB = (bytes) => `${(bytes / 2 ** 30).toFixed(2)} GB`
const f = (v, d = 2) => (v >= 1e5 ? v.toExponential(2) : v.toFixed(d))
console.log(`kernel updates/s (hot, worst case)   ${f(hot.updates_per_s)}`)
console.log(`kernel updates/s (cold)              ${f(cold.updates_per_s)}`)
console.log("kernel vs C reference (gcc -O3 -march=native), updates/s, one thread")
console.log("agents      mode  JavaScript  C           ratio JS/C")
for (const k of kernels) {
  const c = k.c === null ? `skipped: ${k.skipped}` : `${f(k.c).padEnd(12)}${f(k.ratio)}`
  console.log(`${String(k.agents).padEnd(12)}${k.mode.padEnd(6)}${f(k.js).padEnd(12)}${c}`)
}
console.log("agents      ticks/s 1 thread  ticks/s 2 threads  speedup")
for (const s of sizes) {
  console.log(`${String(s.agents).padEnd(12)}${f(at(s.agents, 1).ticks_per_s).padEnd(18)}${f(at(s.agents, 2).ticks_per_s).padEnd(19)}${f(result.speedup[s.agents])}`)
}
console.log(`bytes per agent (1M agents, 2 threads, peak RSS)  ${f(result.bytes_per_agent, 0)}`)
console.log(`scaling exponent (time per tick vs agents)        ${f(slope, 3)}`)
console.log(`1,000,000 agents × 100 ticks, 2 threads (s)       ${f(result.million_agents_100_ticks_s, 1)} (setup + 100 / measured ticks/s)`)
console.log("kiln run end to end            wall (s)  setup  stepping  other  peak RSS")
for (const e of endToEnd) {
  const label = `${e.agents.toExponential(0)} agents B=${e.beliefs} ${e.ticks} ticks rec ${e.record_every}`
  console.log(`${label.padEnd(31)}${f(e.wall_s, 1).padEnd(10)}${f(e.setup_s, 1).padEnd(7)}${f(e.stepping_s, 1).padEnd(10)}${f(e.other_s, 1).padEnd(7)}${formatGB(e.peak_rss_bytes)}`)
}
console.log(`1,000 small runs, 2 workers: ${f(smallRuns.runs_per_s, 1)} runs/s, ${f(100 * smallRuns.in_runs_share, 0)}% of the workers' time inside runs`)
