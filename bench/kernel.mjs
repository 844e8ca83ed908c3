// Kernel throughput, one thread: belief updates per second at B = 16 on a Barabási–Albert graph (m = 5).
// Usage: node bench/kernel.mjs [agents] [ticks] [hot|cold]   (prints one JSON line)
import { decodeScenario } from "../dist/scenario/load.js"
import { prepareWorld } from "../dist/run/simulation.js"
import { Engine } from "../dist/model/engine.js"
import { B, kernelScenario } from "./scenario.mjs"

const [agents = 100000, ticks = 10, mode = "hot"] = process.argv.slice(2).map((v, i) => (i < 2 ? Number(v) : v))
const engine = new Engine(prepareWorld(decodeScenario(kernelScenario(agents, ticks, mode))))
engine.step() // warm up the JIT
// Wall time, and this process's CPU time (less disturbed when other processes share the core).
const t0 = process.hrtime.bigint()
const cpu0 = process.cpuUsage()
for (let t = 0; t < ticks; t++) engine.step()
const secs = Number(process.hrtime.bigint() - t0) / 1e9
const cpu = process.cpuUsage(cpu0)
const cpuSecs = (cpu.user + cpu.system) / 1e6
console.log(JSON.stringify({ mode, agents, ticks, seconds: secs, updates_per_s: (agents * B * ticks) / secs, cpu_seconds: cpuSecs, updates_per_cpu_s: (agents * B * ticks) / cpuSecs }))
