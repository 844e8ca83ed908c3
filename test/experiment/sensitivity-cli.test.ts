// Sensitivity analysis end to end: sobol and morris samples swept by `kiln sweep` and analysed by `kiln analyze`
// (from the sources), a parameter that cannot act getting zero indices; designs and flags that do not fit exit 2.
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { decodeExperiment } from "../../src/experiment/load.js"
import { expandDesign } from "../../src/experiment/design.js"
import { analyzeStore, formatAnalysis, type MorrisAnalysis, type SobolAnalysis } from "../../src/experiment/sensitivity/analyze.js"
import { closeDb, openDb, query } from "../../src/experiment/store.js"
import { plot } from "../../src/experiment/plot.js"
import { baseScenario, tempDir, writeJson } from "./support.js"
import { inputErrorOf } from "../support/errors.js"

const root = resolve(import.meta.dirname, "../..")
const kiln = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } })

// The psychedelic intervention starts at tick 1000 and the runs end at tick 20: its dose is never given, so the dose
// cannot change any metric. With common random numbers a point differing only in dose runs the same simulation.
const scenario = baseScenario({ ticks: 20, interventions: [{ kind: "psychedelic", start: 1000, dose: 3, volatility: 0.2 }] })
const ranges = {
  "social.conformity": { from: 0, to: 1 },
  "energy.gamma": { from: 0.02, to: 0.5 },
  "interventions[0].dose": { from: 0, to: 6, name: "dose" }
}
const experiment = (name: string, sample: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ name, scenario, seed: 3, replicates: 2, factors: [{ sample: { ranges, ...sample } }], ...extra })

describe("kiln sweep + kiln analyze sobol", () => {
  it("gives an inert parameter indices whose intervals contain 0 and an influential one positive indices", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "sobol.json", experiment("sa-sobol", { kind: "sobol", count: 16 }))
    const db = join(dir, "sobol.duckdb")
    const sweep = kiln(["sweep", file, "--db", db, "--workers", "1", "--quiet"])
    expect(sweep.status, sweep.stderr).toBe(0)
    // 16 rows × (3 + 2) points × 2 replicates, with the design's structure in the runs table
    const blocks = await query(db, "SELECT sobol_block, count(DISTINCT point_id) AS points, count(*) AS runs FROM runs GROUP BY 1 ORDER BY 1")
    expect(blocks).toEqual([{ sobol_block: "A", points: 16, runs: 32 }, { sobol_block: "AB", points: 48, runs: 96 }, { sobol_block: "B", points: 16, runs: 32 }])
    // common random numbers: replicate k has one seed everywhere, so A_j and A_B^(dose)_j ran the same simulation
    expect(await query(db, "SELECT count(DISTINCT seed) AS n FROM runs GROUP BY replicate")).toEqual([{ n: 1 }, { n: 1 }])
    const pairs = await query(db, `SELECT count(*) AS n, count(*) FILTER (WHERE a.disagreement_mean = ab.disagreement_mean) AS same FROM
      (SELECT r.sobol_row, r.replicate, f.disagreement_mean FROM runs r JOIN final f USING (run_id) WHERE sobol_block = 'A') a JOIN
      (SELECT r.sobol_row, r.replicate, f.disagreement_mean FROM runs r JOIN final f USING (run_id) WHERE sobol_block = 'AB' AND sobol_factor = 'dose') ab
      USING (sobol_row, replicate)`)
    expect(pairs).toEqual([{ n: 32, same: 32 }])

    const out = join(dir, "out", "indices.json")
    const plotFile = join(dir, "out", "indices.svg")
    const r = kiln(["analyze", "sobol", db, "--metric", "disagreement_mean", "--out", out, "--plot", plotFile])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain("Sobol indices of disagreement_mean at each run's last record")
    expect(r.stdout).toMatch(/16 of 16 rows of A and B complete; 80 points, 160 runs \(2 replicates per point, averaged\)/)
    const a = JSON.parse(readFileSync(out, "utf8")) as SobolAnalysis
    expect(a).toMatchObject({ method: "sobol", metric: "disagreement_mean", at: "final", rows: 16, designRows: 16, conf: 0.95, resamples: 1000 })
    const [conformity, gamma, dose] = a.indices
    expect([conformity.factor, gamma.factor, dose.factor]).toEqual(["social_conformity", "energy_gamma", "dose"])
    // the inert dose: total index exactly 0, first-order interval around 0
    expect([dose.ST, dose.ST_lo, dose.ST_hi]).toEqual([0, 0, 0])
    expect(dose.S1_lo).toBeLessThan(0)
    expect(dose.S1_hi).toBeGreaterThan(0)
    // conformity drives disagreement: both indices clearly positive
    expect(conformity.S1_lo).toBeGreaterThan(0.5)
    expect(conformity.ST_lo).toBeGreaterThan(0.3)
    // the table printed is the JSON's, and the API gives the same numbers
    for (const x of a.indices) expect(r.stdout).toMatch(new RegExp(`${x.factor}\\s+${x.S1.toFixed(3)}\\s+\\[${x.S1_lo.toFixed(3)}, ${x.S1_hi.toFixed(3)}\\]\\s+${x.ST.toFixed(3)}`))
    expect(await analyzeStore(db, "sobol", { metric: "disagreement_mean" })).toEqual({ ...a, db })
    expect(readFileSync(plotFile, "utf8")).toMatch(/^<svg[\s\S]*S1 \(first order\)[\s\S]*social_conformity/)
    // kiln plot on such a store draws the indices (final values), and final values against a parameter with --against
    const drawn = readFileSync(await plot(db, { metric: "disagreement_mean", out: join(dir, "plot.svg") }), "utf8")
    expect(drawn).toContain("Sobol indices of disagreement_mean")
    expect(readFileSync(await plot(db, { metric: "disagreement_mean", against: "dose", out: join(dir, "against.svg") }), "utf8")).toContain("final disagreement_mean")

    // the mean over records and a recorded tick are other values of each run; CSV has one row per factor
    const csv = join(dir, "at10.csv")
    const t = kiln(["analyze", "sobol", db, "--metric", "disagreement_mean", "--at", "10", "--out", csv])
    expect(t.status, t.stderr).toBe(0)
    const lines = readFileSync(csv, "utf8").trim().split("\n")
    expect(lines[0]).toBe("factor,S1,S1_lo,S1_hi,ST,ST_lo,ST_hi")
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["social_conformity", "energy_gamma", "dose"])
    expect(lines[3].split(",").slice(4)).toEqual(["0", "0", "0"])
    const mean = await analyzeStore(db, "sobol", { metric: "disagreement_mean", at: "mean", resamples: 200, seed: 4 })
    expect(mean.method === "sobol" && mean.indices[2].ST).toBe(0)

    // bad flags and metrics: exit 2, one line naming the DB or file and the flag, nothing written
    const bad = [
      [["--metric", "nope"], `${db}: at --metric: unknown metric "nope" (known: `],
      [["--metric", "disagreement_mean", "--at", "500"], `${db}: at --at: run `],
      [["--metric", "disagreement_mean", "--at", "later"], `${db}: at --at: expected final, mean or a tick (an integer >= 0), got "later"`],
      [["--metric", "disagreement_mean", "--out", join(dir, "x.txt")], `${join(dir, "x.txt")}: at --out: expected a file ending in .csv or .json`],
      // every run starts from its replicate's seed: at tick 0 the points do not differ yet
      [["--metric", "disagreement_mean", "--at", "0"], "disagreement_mean at tick 0 is the same at every point of the design (variance 0)"]
    ] as const
    for (const [flags, message] of bad) {
      const b = kiln(["analyze", "sobol", db, ...flags])
      expect(b.status, `${flags.join(" ")}: ${b.stderr}`).toBe(2)
      expect(b.stderr).toContain(message)
      expect(b.stderr.trim().split("\n")).toHaveLength(1)
    }
    expect(existsSync(join(dir, "x.txt"))).toBe(false)
    // an incomplete store (an interrupted sweep, failed runs): rows missing a point are left out, the others used
    const partial = join(dir, "partial.duckdb")
    copyFileSync(db, partial)
    const h = await openDb(partial, false)
    await h.conn.run("DELETE FROM runs WHERE sobol_row = 3 AND sobol_block = 'B'")
    await h.conn.run("UPDATE runs SET status = 'failed' WHERE sobol_row = 5 AND sobol_block = 'A' AND replicate = 2")
    closeDb(h)
    const p = (await analyzeStore(partial, "sobol", { metric: "disagreement_mean" })) as SobolAnalysis
    expect(p).toMatchObject({ rows: 15, designRows: 16, points: 79, runs: 157, replicates: { min: 1, max: 2 } })
    expect(formatAnalysis(p)).toContain("15 of 16 rows of A and B complete; 79 points, 157 runs (1–2 replicates per point, averaged)")
    expect(p.indices[2].ST).toBe(0)
    const m = kiln(["analyze", "morris", db, "--metric", "disagreement_mean"])
    expect(m.status).toBe(2)
    expect(m.stderr).toContain(`${db}: holds a sobol design, not a morris one; run kiln analyze sobol ${db}`)
  }, 120_000)
})

describe("kiln sweep + kiln analyze morris", () => {
  it("gives the inert parameter μ* = σ = 0 and an influential one μ* > 0", async () => {
    const dir = tempDir()
    const file = writeJson(dir, "morris.json", experiment("sa-morris", { kind: "morris", count: 8, levels: 4 }))
    const db = join(dir, "morris.duckdb")
    const sweep = kiln(["sweep", file, "--db", db, "--workers", "1", "--quiet"])
    expect(sweep.status, sweep.stderr).toBe(0)
    const steps = await query(db, "SELECT morris_step, count(*) AS runs FROM runs GROUP BY 1 ORDER BY 1")
    expect(steps).toEqual([0, 1, 2, 3].map((s) => ({ morris_step: s, runs: 16 })))
    const out = join(dir, "effects.csv")
    const r = kiln(["analyze", "morris", db, "--metric", "disagreement_mean", "--out", out, "--plot", join(dir, "effects.png")])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain("Morris elementary effects of disagreement_mean")
    expect(readFileSync(join(dir, "effects.png")).subarray(1, 4).toString()).toBe("PNG")
    const a = (await analyzeStore(db, "morris", { metric: "disagreement_mean" })) as MorrisAnalysis
    expect(a).toMatchObject({ method: "morris", trajectories: 8, levels: 4, points: 32, runs: 64 })
    const [conformity, , dose] = a.effects
    expect(dose).toMatchObject({ factor: "dose", mu: 0, mu_star: 0, sigma: 0, mu_star_lo: 0, mu_star_hi: 0, r: 8 })
    expect(conformity.mu_star_lo).toBeGreaterThan(0.05)
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe("factor,mu,mu_star,mu_star_lo,mu_star_hi,sigma,r")
    // a trajectory's missing point drops the two steps next to it; a missing replicate, only that replicate
    const partial = join(dir, "partial.duckdb")
    copyFileSync(db, partial)
    const h = await openDb(partial, false)
    await h.conn.run("DELETE FROM runs WHERE morris_trajectory = 0 AND morris_step = 2")
    await h.conn.run("DELETE FROM runs WHERE morris_trajectory = 1 AND morris_step = 0 AND replicate = 1")
    closeDb(h)
    const q = (await analyzeStore(partial, "morris", { metric: "disagreement_mean" })) as MorrisAnalysis
    expect(q.effects.reduce((n, e) => n + e.r, 0)).toBe(8 * 3 - 2)
    expect(q).toMatchObject({ points: 31, runs: 61, replicates: { min: 1, max: 2 } })
    expect(q.effects[2]).toMatchObject({ mu_star: 0, sigma: 0 })
    const p = kiln(["plot", db, "--metric", "disagreement_mean", "--out", join(dir, "morris.svg")])
    expect(p.status, p.stderr).toBe(0)
    const svg = readFileSync(join(dir, "morris.svg"), "utf8")
    for (const text of ["Morris effects on disagreement_mean", "μ* (mean |elementary effect|)", ">social_conformity</text>"]) expect(svg).toContain(text)
  }, 120_000)
})

describe("sensitivity designs that do not fit their factors", () => {
  const design = (spec: unknown) => expandDesign(decodeExperiment(spec, "sa.json"))

  it("lay out N·(k + 2) and r·(k + 1) points, each its own point even where two run one scenario", () => {
    const s = design(experiment("s", { kind: "sobol", count: 8 }))
    expect([s.points.length, s.runs.length, new Set(s.points.map((p) => p.id)).size]).toEqual([40, 80, 40])
    expect(s.columns.map((c) => `${c.name}:${c.kind}`)).toEqual([
      "social_conformity:sample", "energy_gamma:sample", "dose:sample", "sobol_block:design", "sobol_row:design", "sobol_factor:design"
    ])
    // raising count keeps the earlier rows (the scramble is keyed by the ranges)
    const s16 = design(experiment("s", { kind: "sobol", count: 16 }))
    expect(s16.points.slice(0, 40).map((p) => p.values)).toEqual(s.points.map((p) => p.values))
    // independent seeds: every run its own seed, every point its own id
    const ind = design(experiment("s", { kind: "sobol", count: 8 }, { seeds: "independent" }))
    expect([new Set(ind.points.map((p) => p.id)).size, new Set(ind.runs.map((r) => r.seed)).size]).toEqual([40, 80])
    const m = design(experiment("m", { kind: "morris", count: 5, levels: 6 }))
    expect([m.points.length, new Set(m.points.map((p) => p.id)).size]).toEqual([20, 20])
    // on the grid: conformity in {0, 0.2, …, 1}
    for (const p of m.points) expect(Math.round((p.values.social_conformity as number) * 5 * 1e9) / 1e9 % 1).toBe(0)
  })

  it("refuse one range, a count that is not a power of two, odd levels, levels on other kinds and other factors, with exit 2", () => {
    const cases: Array<[unknown, string]> = [
      [{ ...experiment("x", { kind: "sobol", count: 8 }), factors: [{ sample: { kind: "sobol", count: 8, ranges: { "energy.gamma": { from: 0, to: 1 } } } }] },
        "at factors[0].sample.ranges: expected at least two ranges for Sobol indices"],
      [experiment("x", { kind: "sobol", count: 12 }), "at factors[0].sample.count: expected a power of two (Sobol points are balanced in blocks of 2^m), got 12; use 8 or 16"],
      [experiment("x", { kind: "morris", count: 4, levels: 3 }), "at factors[0].sample.levels: expected an even number of levels"],
      [experiment("x", { kind: "morris", count: 4, levels: 1 }), "at factors[0].sample.levels: Expected a value greater than or equal to 2"],
      [experiment("x", { kind: "lhs", count: 4, levels: 4 }), "at factors[0].sample.levels: levels applies to morris samples only, not lhs"],
      [experiment("x", { kind: "sobol", count: 8 }, { factors: [{ sample: { kind: "sobol", count: 8, ranges } }, { path: "sweeps", values: [1, 2] }] }),
        "at factors[0]: a sobol sample must be the experiment's only factor (got 2 factors)"],
      [{ ...experiment("x", { kind: "sobol", count: 8 }), factors: [{ sample: { kind: "sobol", count: 8, ranges: { ...ranges, "graph.p": { from: 0.1, to: 0.3, name: "sobol_row" } } } }] },
        `at factors[0].sample.ranges.graph.p: column "sobol_row" is a sobol design column`]
    ]
    for (const [spec, message] of cases) expect(inputErrorOf(() => design(spec)).toString()).toContain(`sa.json: ${message}`)
    const dir = tempDir()
    const file = writeJson(dir, "bad.json", experiment("x", { kind: "sobol", count: 12 }))
    const r = kiln(["sweep", file, "--db", join(dir, "bad.duckdb")])
    expect(r.status).toBe(2)
    expect(r.stderr.trim()).toBe(`kiln: ${file}: at factors[0].sample.count: expected a power of two (Sobol points are balanced in blocks of 2^m), got 12; use 8 or 16`)
    expect(existsSync(join(dir, "bad.duckdb"))).toBe(false)
  }, 60_000)

  it("kiln analyze refuses a store without a sensitivity design and a missing file, with exit 2", () => {
    const dir = tempDir()
    const file = writeJson(dir, "plain.json", { name: "plain", scenario: baseScenario({ ticks: 5 }), seed: 1, factors: [{ path: "sweeps", values: [1, 2] }] })
    const db = join(dir, "plain.duckdb")
    expect(kiln(["sweep", file, "--db", db, "--workers", "0", "--quiet"]).status).toBe(0)
    const r = kiln(["analyze", "sobol", db, "--metric", "energy_mean"])
    expect(r.status).toBe(2)
    expect(r.stderr.trim()).toBe(`kiln: ${db}: holds no sobol or morris design (it sweeps sweeps (values)); sweep an experiment whose factor is { "sample": { "kind": "sobol", … } }`)
    const missing = kiln(["analyze", "morris", join(dir, "none.duckdb"), "--metric", "energy_mean"])
    expect(missing.status).toBe(2)
    expect(missing.stderr.trim()).toBe(`kiln: ${join(dir, "none.duckdb")}: no such file`)
  }, 60_000)
})
