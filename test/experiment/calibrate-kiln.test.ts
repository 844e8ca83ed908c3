// kiln calibrate on Kiln itself (statistics project: several hundred runs): synthetic data from a small scenario at
// known parameters is fitted back, the true values inside the 90% credible intervals; the output tables agree.
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { calibrate, summaryOf, workDirFor, type CalibrateProgress } from "../../src/experiment/calibrate/run.js"
import { closeDb, openDb, query, readRows } from "../../src/experiment/store.js"
import { files, truth } from "./calibrate-support.js"
import { tempDir } from "./support.js"

describe("kiln calibrate on a small scenario", () => {
  it("recovers the cooling rate and the dose: the true values lie inside the 90% credible intervals", async () => {
    const dir = tempDir()
    const { experiment, targets } = await files(dir)
    const events: CalibrateProgress[] = []
    const r = await calibrate(experiment, targets, { out: join(dir, "out"), particles: 40, generations: 5, workers: 0, onProgress: (p) => events.push(p) })
    expect(r.generations.length).toBe(5)
    expect(r.simulations).toBeLessThan(600)
    const [gamma, dose] = [summaryOf(r.posterior, 0), summaryOf(r.posterior, 1)]
    expect(gamma.q05).toBeLessThanOrEqual(truth.gamma)
    expect(gamma.q95).toBeGreaterThanOrEqual(truth.gamma)
    expect(dose.q05).toBeLessThanOrEqual(truth.dose)
    expect(dose.q95).toBeGreaterThanOrEqual(truth.dose)
    // and the data have taught something: the intervals are far narrower than the priors'
    expect(Math.log(gamma.q95 / gamma.q05)).toBeLessThan(0.5 * Math.log(0.5 / 0.02))
    expect(dose.q95 - dose.q05).toBeLessThan(0.5 * (8 - 0.5))
    // every proposal was a run of the store, with its own seed, and the tables agree with the result
    const [runs] = await query(join(r.dir, "runs.duckdb"), "SELECT count(*) AS n, count(DISTINCT seed) AS seeds, count(*) FILTER (WHERE status = 'done') AS done FROM runs")
    expect(runs).toEqual({ n: r.simulations, seeds: r.simulations, done: r.simulations })
    const posterior = readFileSync(join(r.dir, "posterior.csv"), "utf8").trim().split("\n")
    expect(posterior[0]).toBe("particle,gamma,dose,weight,distance")
    expect(posterior.length).toBe(41)
    const weights = posterior.slice(1).map((l) => Number(l.split(",")[3]))
    expect(Math.abs(weights.reduce((a, w) => a + w, 0) - 1)).toBeLessThan(1e-9)
    const gens = readFileSync(join(r.dir, "generations.csv"), "utf8").trim().split("\n").map((l) => l.split(","))
    expect(gens.map((g) => g[0])).toEqual(["generation", "0", "1", "2", "3", "4"])
    expect(gens[1][1]).toBe("")
    expect(gens.slice(1).map((g) => Number(g[2])).reduce((a, x) => a + x, 0)).toBe(r.simulations)
    // the Parquet copies hold the same rows
    const h = await openDb(":memory:", false)
    try {
      const [pq] = await readRows(h.conn, `SELECT count(*) AS n, sum(weight) AS w, max(generation) AS last FROM read_parquet('${join(r.dir, "particles.parquet")}')`)
      expect(pq.n).toBe(200)
      expect(pq.last).toBe(4)
      const [post] = await readRows(h.conn, `SELECT count(*) AS n, sum(weight) AS w FROM read_parquet('${join(r.dir, "posterior.parquet")}')`)
      expect(post.n).toBe(40)
      expect(Math.abs(Number(post.w) - 1)).toBeLessThan(1e-9)
    } finally {
      closeDb(h)
    }
    const eps = r.generations.slice(1).map((g) => g.epsilon)
    for (let k = 1; k < eps.length; k++) expect(eps[k]).toBeLessThan(eps[k - 1])
    expect(readdirSync(r.dir).sort()).toEqual([
      "generations.csv", "generations.parquet", "manifest.json", "marginal-dose.svg", "marginal-gamma.svg", "particles.csv", "particles.parquet",
      "posterior.csv", "posterior.parquet", "runs.duckdb", "state.json", "tolerance.svg"
    ])
    expect(readFileSync(join(r.dir, "marginal-gamma.svg"), "utf8")).toContain("<svg")
    const manifest = JSON.parse(readFileSync(join(r.dir, "manifest.json"), "utf8"))
    expect(manifest).toMatchObject({ status: "complete", kind: "calibration", simulations: r.simulations, stopReason: "generations" })
    expect(existsSync(workDirFor(r.dir))).toBe(false)
    // progress: one event per generation, batches in between
    expect(events.filter((e) => e.kind === "generation").length).toBe(5)
  })

})
