// Sweeps of scenarios with plugins: the base scenario's plugins run in every run, in worker threads too, a factor
// may sweep their options, and what cannot load plugins refuses them instead of dropping them.
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { expandDesign, type Design } from "../../src/experiment/design.js"
import { decodeExperiment, decodeExperimentWithPlugins, loadExperimentWithPlugins } from "../../src/experiment/load.js"
import { runSweep } from "../../src/experiment/sweep.js"
import { simulate } from "../../src/run/simulation.js"
import { resultTables, tempDir, writeJson } from "./support.js"

const scenario = join(import.meta.dirname, "../../examples/plugins/conformist.json")
const experiment = (factors: unknown[]) => ({
  name: "conformist-D", scenario, seed: 5, replicates: 2, ticks: 6, recordEvery: 2,
  set: { graph: { kind: "complete", n: 150 } },
  factors
})

const rejection = async (p: Promise<unknown>): Promise<InputError> => {
  try {
    await p
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error("expected an InputError")
}

/** The metrics rows simulate() gives for a planned run, as the DB stores them. */
const simulated = async (d: Design, runId: string) => {
  const r = d.runs.find((r) => r.runId === runId)!
  const { metrics } = await simulate(d.points[r.point].scenario, { seed: r.seed, file: d.experiment.baseFile })
  return metrics.rows.map((row) => Object.fromEntries([["run_id", runId], ...metrics.columns.map((c, k) => [c, row[k]])]))
}

describe("a sweep of a plugin's options", () => {
  it("stores the plugin's reporter, each run equal to simulate() of its point and seed, in worker threads and in this thread", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "exp.json", experiment([{ path: "plugins[0].options.D", values: [0, 0.9] }]))
    const design = expandDesign(await loadExperimentWithPlugins(file))
    expect(design.metricColumns.at(-1)).toBe("trait_p")
    const dbs = [0, 2].map((workers) => ({ workers, db: join(dir, `w${workers}.duckdb`) }))
    for (const o of dbs) await Effect.runPromise(runSweep(design, o))
    const [here, threads] = await Promise.all(dbs.map((o) => resultTables(o.db)))
    expect(here.runs.map((r) => r.status)).toEqual(new Array(4).fill("done"))
    expect(threads).toEqual(here)
    for (const r of design.runs) expect(here.metrics.filter((m) => m.run_id === r.runId)).toEqual(await simulated(design, r.runId))
    // D sweeps something: conformity pushes p away from 1/2 faster
    const final = (D: number) => here.final.filter((f) => design.runs.find((r) => r.runId === f.run_id)!.point === (D === 0 ? 0 : 1))
    const mean = (rows: Array<Record<string, unknown>>) => rows.reduce((a, f) => a + Number(f.trait_p), 0) / rows.length
    expect(mean(final(0.9))).toBeGreaterThan(mean(final(0)))
  })

  it("the documented example experiment loads: 3 values of D × 3 replicates", async () => {
    const design = expandDesign(await loadExperimentWithPlugins(join(import.meta.dirname, "../../examples/plugins/conformist-sweep.json")))
    expect(design.runs).toHaveLength(9)
    expect(design.points.map((p) => p.scenario.plugins?.[0].options)).toEqual([0, 0.1, 0.3].map((D) => ({ D, p0: 0.6 })))
  })

  it("refuses a point whose plugin options the plugin's schema rejects, naming the factor", async () => {
    const e = await rejection(decodeExperimentWithPlugins(experiment([{ path: "plugins[0].options.D", values: [0.1, 2] }]), "exp.json")
      .then(expandDesign))
    expect(e.file).toBe("exp.json")
    expect(e.path).toBe("factors[0]")
    expect(e.message).toMatch(/at plugins\[0\]\.options\.D/)
  })

  it("refuses a factor on a plugin's module: a sweep loads the base scenario's plugins once", async () => {
    const e = await rejection(decodeExperimentWithPlugins(experiment([{ path: "plugins[0].module", values: ["./other.mjs"] }]), "exp.json")
      .then(expandDesign))
    expect(e.message).toMatch(/plugins\[0\]\.module: expected the base scenario's module .*conformist\.mjs/)
  })

  it("blames `set` for invalid plugin options it writes", async () => {
    const e = await rejection(decodeExperimentWithPlugins({ ...experiment([]), set: { "plugins[0].options.p0": 3 } }, "exp.json"))
    expect([e.file, e.path]).toEqual(["exp.json", "set.plugins[0].options.p0"])
  })

  it("the synchronous decode refuses a base scenario with plugins rather than dropping them", () => {
    let error: unknown
    try {
      decodeExperiment(experiment([]), "exp.json")
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect(error).toMatchObject({ file: scenario, path: "plugins", message: expect.stringMatching(/loadExperimentWithPlugins/) })
  })
})
