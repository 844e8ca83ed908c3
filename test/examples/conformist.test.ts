// The conformist example: one generation of a well-mixed population follows p' = p + D p(1−p)(2p−1) within the
// binomial sd, and the CLI and the API give the same bytes on 1, 2 and 3 threads.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runWorld, simulate } from "../../src/run/simulation.js"

const root = join(import.meta.dirname, "../..")
const file = join(root, "examples/plugins/conformist.json")
const D = 0.3

describe("conformist transmission (Boyd & Richerson)", () => {
  it("one generation moves p by D p(1−p)(2p−1), within 4 binomial sd per run and on average over seeds", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const p0 of [0.2, 0.4, 0.6, 0.8]) {
      const residuals: number[] = []
      for (const seed of [1, 2, 3, 4, 5]) {
        const s = { ...scenario, seed, plugins: [{ module: "./conformist.mjs", options: { D, p0 } }] }
        const r = await simulate(s, { file, ticks: 1 })
        const [p, next] = r.metrics.rows.map((row) => row.at(-1)!)
        const expected = p + D * p * (1 - p) * (2 * p - 1)
        const sd = Math.sqrt((expected * (1 - expected)) / 2000)
        expect(Math.abs(next - expected), `p0 ${p0} seed ${seed}`).toBeLessThan(4 * sd)
        residuals.push((next - expected) / sd)
      }
      const meanResidual = residuals.reduce((a, b) => a + b, 0) / residuals.length
      expect(Math.abs(meanResidual), `p0 ${p0}`).toBeLessThan(4 / Math.sqrt(residuals.length))
    }
  })

  it("gives the same bytes on 1, 2 and 3 threads through the CLI", () => {
    const out = mkdtempSync(join(tmpdir(), "kiln-conformist-"))
    const run = (workers: number) => {
      const dir = join(out, `w${workers}`)
      const r = spawnSync(process.execPath, [join(root, "bin/kiln.mjs"), "run", file, "--ticks", "8", "--workers", String(workers), "--quiet", "--out", dir], { encoding: "utf8" })
      expect(r.status, r.stderr).toBe(0)
      return ["metrics.csv", "metrics.parquet", "agents.parquet"].map((f) => readFileSync(join(dir, f)))
    }
    const one = run(1)
    expect(run(2)).toEqual(one)
    expect(run(3)).toEqual(one)
  })

  it("gives the same bytes on 1, 2 and 3 threads through the API, every phase split", async () => {
    const { scenario, plugins } = await loadScenarioWithPlugins(file)
    const s = { ...scenario, ticks: 4, graph: { kind: "complete" as const, n: 300 } }
    const run = async (threads: number) => {
      const w = prepareWorld(s, file, undefined, threads > 1, plugins)
      const r = await Effect.runPromise(runWorld(w).pipe(Effect.provide(Scheduler.workerPool(threads, 1))))
      return [r.metrics.rows, [...w.plugins[0].state.trait]]
    }
    const one = await run(1)
    expect(await run(2)).toEqual(one)
    expect(await run(3)).toEqual(one)
  })

  it("a plugin module with a syntax error stops kiln run and kiln serve with exit 2 and a message naming plugins[0].module", () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-bad-plugin-"))
    writeFileSync(join(dir, "bad.mjs"), "export default {")
    const scenario = JSON.parse(readFileSync(file, "utf8"))
    writeFileSync(join(dir, "s.json"), JSON.stringify({ ...scenario, $schema: undefined, plugins: [{ module: "./bad.mjs" }] }))
    for (const command of [["run", join(dir, "s.json"), "--quiet"], ["serve", join(dir, "s.json"), "--port", "0"]]) {
      const r = spawnSync(process.execPath, [join(root, "bin/kiln.mjs"), ...command, "--out", join(dir, "out")], { encoding: "utf8" })
      expect(r.status, command[0]).toBe(2)
      expect(r.stderr).toMatch(/plugins\[0\]\.module/)
      expect(r.stderr).toMatch(/syntax error/)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})
