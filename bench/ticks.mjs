// Ticks per second of a whole simulation at B = 16 on a Barabási–Albert graph (m = 5, mean degree 10),
// with N threads; also the process's peak RSS. Usage: node bench/ticks.mjs <agents> <threads> <ticks>
import { Effect } from "effect"
import { decodeScenario } from "../dist/scenario/load.js"
import { prepareWorld } from "../dist/run/simulation.js"
import { Engine } from "../dist/model/engine.js"
import { WorkerPool } from "../dist/run/worker-pool.js"

const [agents, threads, ticks] = process.argv.slice(2).map(Number)
const s = decodeScenario({
  name: "ticks",
  ticks,
  graph: { kind: "barabasiAlbert", n: agents, m: 5 },
  beliefs: Array.from({ length: 16 }, (_, a) => ({ name: `b${a}` })),
  prior: { sd: 0.3, noise: 0.1 },
  social: { conformity: 0.2 }
})
const setup = process.hrtime.bigint()
const world = prepareWorld(s, undefined, undefined, threads > 1)
const setupSeconds = Number(process.hrtime.bigint() - setup) / 1e9

const time = async (stepper) => {
  await stepper.step() // warm up
  const t0 = process.hrtime.bigint()
  for (let t = 0; t < ticks; t++) await stepper.step()
  return Number(process.hrtime.bigint() - t0) / 1e9
}
const seconds =
  threads > 1
    ? await Effect.runPromise(Effect.scoped(Effect.flatMap(WorkerPool.make(world, threads), (pool) => Effect.promise(() => time(pool)))))
    : await time(new Engine(world))
const rssBytes = process.resourceUsage().maxRSS * 1024
console.log(JSON.stringify({ agents, threads, ticks, seconds, ticks_per_s: ticks / seconds, setup_seconds: setupSeconds, peak_rss_bytes: rssBytes }))
