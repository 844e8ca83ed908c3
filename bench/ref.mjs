// The C reference kernel's throughput, one thread: the same world as bench/kernel.mjs (prepared by Kiln, dumped to
// a file), compiled with gcc -O3 -march=native; one warm-up tick, then `ticks` timed ticks.
// Usage: node bench/ref.mjs [agents] [ticks] [hot|cold]   (prints one JSON line; {"skipped": …} without gcc)
import { join } from "node:path"
import { decodeScenario } from "../dist/scenario/load.js"
import { prepareWorld } from "../dist/run/simulation.js"
import { B, kernelScenario } from "./scenario.mjs"
import { buildReference, dumpWorld, hasGcc, removeDir, runReference } from "./ref/world.mjs"

const [agents = 100000, ticks = 10, mode = "hot"] = process.argv.slice(2).map((v, i) => (i < 2 ? Number(v) : v))
if (!hasGcc()) {
  console.log(JSON.stringify({ mode, agents, ticks, skipped: "gcc not found: install it (Debian: apt-get install gcc) for the C reference" }))
} else {
  const { dir, bin } = buildReference()
  try {
    const file = join(dir, "world.bin")
    dumpWorld(prepareWorld(decodeScenario(kernelScenario(agents, ticks, mode))), file)
    const { seconds, cpu_seconds } = runReference(bin, file, ticks, 1)
    const updates = agents * B * ticks
    console.log(JSON.stringify({ mode, agents, ticks, seconds, updates_per_s: updates / seconds, cpu_seconds, updates_per_cpu_s: updates / cpu_seconds }))
  } finally {
    removeDir(dir)
  }
}
