// Kernel throughput, one thread: belief updates per second at B = 16 on a Barabási–Albert graph (m = 5).
// Usage: node bench/kernel.mjs [agents] [ticks] [hot|cold]   (prints one JSON line)
import { decodeScenario } from "../dist/scenario/load.js"
import { prepareWorld } from "../dist/run/simulation.js"
import { Engine } from "../dist/model/engine.js"

const [agents = 100000, ticks = 10, mode = "hot"] = process.argv.slice(2).map((v, i) => (i < 2 ? Number(v) : v))
const B = 16
// Hot: energy 5 with theta 0 makes every agent fully plastic (worst case: Hebbian on every pair each tick).
// Cold: energy 0.5 below theta 1: heat-bath updates at T = 0.5, rigid networks.
const energy = mode === "hot" ? { rest: 5, gamma: 0, surprise: 0 } : { rest: 0.5, gamma: 0, surprise: 0 }
const plasticity = mode === "hot" ? { theta: 0, saturation: 1 } : { theta: 1, saturation: 3 }
const s = decodeScenario({
  name: `kernel-${mode}`,
  ticks,
  graph: { kind: "barabasiAlbert", n: agents, m: 5 },
  beliefs: Array.from({ length: B }, (_, a) => ({ name: `b${a}` })),
  prior: { sd: 0.3, noise: 0.1 },
  social: { conformity: 0.2 },
  energy,
  plasticity
})
const engine = new Engine(prepareWorld(s))
engine.step() // warm up the JIT
const t0 = process.hrtime.bigint()
for (let t = 0; t < ticks; t++) engine.step()
const secs = Number(process.hrtime.bigint() - t0) / 1e9
console.log(JSON.stringify({ mode, agents, ticks, seconds: secs, updates_per_s: (agents * B * ticks) / secs }))
