// Where a 2-thread tick goes: the colour classes, the barriers per tick and the time this thread waits at them
// (for the worker's last chunk, or for a worker the OS has not scheduled) against the tick's wall time.
// Usage: node bench/barrier.mjs <agents> <ticks> [threads]   (prints the class sizes, then one JSON line)
import { Effect } from "effect"
import { decodeScenario } from "../dist/scenario/load.js"
import { prepareWorld } from "../dist/run/simulation.js"
import { WorkerPool } from "../dist/run/worker-pool.js"

const [agents = 100000, ticks = 5, threads = 2] = process.argv.slice(2).map(Number)
const s = decodeScenario({
  name: "barrier",
  ticks,
  graph: { kind: "barabasiAlbert", n: agents, m: 5 },
  beliefs: Array.from({ length: 16 }, (_, a) => ({ name: `b${a}` })),
  prior: { sd: 0.3, noise: 0.1 },
  social: { conformity: 0.2 }
})
const world = prepareWorld(s, undefined, undefined, true)
const cs = world.topology.classStart
console.error(`colour classes: ${Array.from(cs.slice(1), (v, k) => v - cs[k]).join(", ")} agents`)
// Times the pool's barrier (a private method: this is a measurement, not an API).
let wait = 0n
let barriers = 0
const barrier = WorkerPool.prototype.barrier
WorkerPool.prototype.barrier = async function () {
  const t = process.hrtime.bigint()
  await barrier.call(this)
  wait += process.hrtime.bigint() - t
  barriers++
}
const run = async (pool) => {
  await pool.step() // warm up
  wait = 0n
  barriers = 0
  const t0 = process.hrtime.bigint()
  for (let t = 0; t < ticks; t++) await pool.step()
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const waitMs = Number(wait) / 1e6
  console.log(JSON.stringify({ agents, threads, ms_per_tick: ms / ticks, barriers_per_tick: barriers / ticks, wait_ms_per_tick: waitMs / ticks, wait_share: waitMs / ms }))
}
await Effect.runPromise(Effect.scoped(Effect.flatMap(WorkerPool.make(world, threads), (pool) => Effect.promise(() => run(pool)))))
