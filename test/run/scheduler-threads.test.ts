// How many threads a run gets: never more than the cores, nor more than one per MIN_SLICE agents; and the CLI says so.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { usefulThreads } from "../../src/run/scheduler.js"
import { MIN_SLICE } from "../../src/run/worker-pool.js"

const root = resolve(import.meta.dirname, "../..")

describe("usefulThreads", () => {
  it("keeps what can help and says why it cut the rest", () => {
    expect(usefulThreads(2, 10_000, 8)).toEqual({ threads: 2 })
    expect(usefulThreads(1000, 1_000_000, 8)).toEqual({ threads: 8, capped: "using 8 threads (this machine has 8 cores)" })
    expect(usefulThreads(4, 3 * MIN_SLICE, 8).threads).toBe(3)
    expect(usefulThreads(4, 100, 8)).toEqual({ threads: 1, capped: `using 1 thread (100 agents: at least ${MIN_SLICE} per thread)` })
    expect(usefulThreads(1, 10, 8)).toEqual({ threads: 1 })
  })
})

describe("kiln run --workers", () => {
  it("--workers 1000 starts no more threads than the cores, says so, and records what it used", () => {
    const out = join(mkdtempSync(join(tmpdir(), "kiln-threads-")), "run")
    const r = spawnSync(process.execPath, [join(root, "bin/kiln.mjs"), "run", "scenarios/ising-lattice.json", "--ticks", "2",
      "--workers", "1000", "--out", out, "--quiet"], { cwd: root, encoding: "utf8" })
    expect(r.status).toBe(0)
    const used = Math.min(availableParallelism(), Math.floor(4096 / MIN_SLICE))
    expect(r.stderr).toContain(`--workers 1000: using ${used} thread`)
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).workers).toBe(used)
  })
})
