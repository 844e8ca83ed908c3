// kiln calibrate on Kiln itself: an interrupted calibration resumes to the same posterior bytes; the shipped example's
// targets are a run of it; bad input exits 2 with a message naming file and path (the fit itself: calibrate-kiln.test.ts).
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { calibrate, workDirFor, type CalibrateProgress } from "../../src/experiment/calibrate/run.js"
import { loadScenario } from "../../src/scenario/load.js"
import { simulate } from "../../src/run/simulation.js"
import { InputError, formatInputError } from "../../src/errors.js"
import { files, scenario } from "./calibrate-support.js"
import { tempDir, writeJson } from "./support.js"

const root = resolve(import.meta.dirname, "../..")

describe("kiln calibrate, interrupted", () => {
  it("resumed after an interruption in the middle of a generation, gives the posterior of an uninterrupted calibration, byte for byte", async () => {
    const dir = tempDir()
    const { experiment, targets } = await files(dir)
    const o = { particles: 20, generations: 4, workers: 0 }
    const whole = await calibrate(experiment, targets, { ...o, out: join(dir, "whole") })

    const out = join(dir, "cut")
    const stop = new Error("interrupted")
    await expect(calibrate(experiment, targets, {
      ...o, out,
      onProgress: (p) => {
        if (p.kind === "batch" && p.generation === 2 && p.sweep.finished === 10) throw stop
      }
    })).rejects.toBe(stop)
    expect(existsSync(out)).toBe(false)
    expect(existsSync(workDirFor(out))).toBe(true)
    // without --resume the interrupted calibration is neither continued nor deleted
    await expect(calibrate(experiment, targets, { ...o, out })).rejects.toMatchObject({ _tag: "InputError", message: expect.stringContaining("interrupted calibration") })
    // with other settings it is refused
    await expect(calibrate(experiment, targets, { ...o, out, particles: 21, resume: true })).rejects.toMatchObject({ message: expect.stringContaining("particles") })

    const events: CalibrateProgress[] = []
    const resumed = await calibrate(experiment, targets, { ...o, out, resume: true, onProgress: (p) => events.push(p) })
    // generations 0 and 1 come from the state, the runs of generation 2 done before the cut from the store
    expect(events.filter((e) => e.kind === "generation" && e.resumed).length).toBe(2)
    const skipped = events.find((e) => e.kind === "batch" && e.generation === 2)
    // the sweep commits short runs in batches: the cut came after a batch holding at least the first 10 runs
    if (skipped?.kind !== "batch") throw new Error("no batch of generation 2")
    expect(skipped.sweep.skipped).toBeGreaterThanOrEqual(10)
    expect(skipped.sweep.skipped).toBeLessThan(skipped.sweep.total)
    for (const f of ["posterior.csv", "particles.csv", "generations.csv", "posterior.parquet"]) {
      expect(readFileSync(join(resumed.dir, f)).equals(readFileSync(join(whole.dir, f)))).toBe(true)
    }
    expect(resumed.simulations).toBe(whole.simulations)
    // another seed gives another posterior
    const other = await calibrate(experiment, targets, { ...o, out: join(dir, "other"), seed: 6 })
    expect(readFileSync(join(other.dir, "posterior.csv"), "utf8")).not.toBe(readFileSync(join(whole.dir, "posterior.csv"), "utf8"))
  })
})

describe("the shipped example, scenarios/experiments/calibrate-cooling.json", () => {
  it("has as targets energy_mean of one of its runs at gamma 0.05 and dose 4 (seed 2026), and calibrates", async () => {
    const experiment = join(root, "scenarios/experiments/calibrate-cooling.json")
    const targets = join(root, "scenarios/experiments/calibrate-cooling.targets.json")
    const t = JSON.parse(readFileSync(targets, "utf8"))
    const e = JSON.parse(readFileSync(experiment, "utf8"))
    const s = loadScenario(join(root, "scenarios/cooling.json"), [
      `ticks=${e.ticks}`, `recordEvery=${e.recordEvery}`, `graph.n=${e.set["graph.n"]}`, "seed=2026", "energy.gamma=0.05", "interventions[0].dose=4"
    ])
    const r = await simulate(s)
    const col = r.metrics.columns.indexOf("energy_mean")
    for (const g of t.targets) {
      const row = r.metrics.rows.find((x) => x[0] === g.at)!
      expect(row[col].toFixed(4)).toBe(g.value.toFixed(4))
    }
    const out = join(tempDir(), "out")
    const c = await calibrate(experiment, targets, { out, particles: 8, generations: 2, workers: 0 })
    expect(c.generations.map((g) => g.particles.length)).toEqual([8, 8])
  })
})

/** `kiln calibrate` from the sources. */
const cli = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "calibrate", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } })

describe("kiln calibrate with bad input", () => {
  it("refuses it with one line naming the file and the path, before running anything; the command exits 2", async () => {
    const dir = tempDir()
    const { experiment, targets } = await files(dir)
    const good = JSON.parse(readFileSync(targets, "utf8"))
    const cases: Array<[string, unknown, RegExp]> = [
      ["unknown-metric.json", { ...good, targets: [{ metric: "energy_man", at: "final", value: 1 }] }, /: at targets\[0\]\.metric: unknown metric "energy_man" \(known: .*energy_mean/],
      ["reversed.json", { ...good, priors: [{ ...good.priors[0], from: 0.3, to: 0.1 }] }, /: at priors\[0\]\.to: expected a value > from \(0\.3\), got 0\.1/],
      ["bad-prior.json", { ...good, priors: [{ path: "energy.gamma", prior: "normal", from: 0, to: 1 }] }, /: at priors\[0\]\.prior: /],
      ["log-zero.json", { ...good, priors: [{ path: "energy.gamma", prior: "log-uniform", from: 0, to: 1 }] }, /: at priors\[0\]\.from: a log-uniform prior needs from > 0/],
      ["no-field.json", { ...good, priors: [{ path: "energy.gama", prior: "uniform", from: 0.1, to: 0.2 }] }, /: at priors\[0\]: energy\.gama = 0\.1 does not make a valid scenario of .*heat\.json: at energy\.gama: /],
      ["out-of-range.json", { ...good, priors: [{ path: "energy.gamma", prior: "uniform", from: 0.1, to: 7 }] }, /: at priors\[0\]: energy\.gamma = 7 does not make a valid scenario/],
      ["tick.json", { ...good, targets: [{ metric: "energy_mean", at: 12, value: 1 }] }, /: at targets\[0\]\.at: tick 12 is not recorded/],
      ["extra.json", { ...good, target: [] }, /: at target: /]
    ]
    const out = join(dir, "never")
    for (const [name, json, message] of cases) {
      const file = writeJson(dir, name, json)
      const error = await calibrate(experiment, file, { out, workers: 0 }).then(() => undefined, (e: unknown) => e)
      expect(error, name).toBeInstanceOf(InputError)
      const text = formatInputError(error as InputError)
      expect(text, name).toMatch(new RegExp(`^kiln: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`))
      expect(text, name).toMatch(message)
      expect(text, name).not.toContain("\n")
    }
    const swept = writeJson(dir, "swept.json", { name: "heat", scenario: scenario(), factors: [{ path: "energy.rest", values: [0.1, 0.2] }] })
    await expect(calibrate(swept, targets, { out })).rejects.toMatchObject({ path: "factors", message: expect.stringContaining("remove the factors") })
    expect(existsSync(out)).toBe(false)
    expect(existsSync(workDirFor(out))).toBe(false)

    // the command: exit 2, the message on stderr, no stack trace
    for (const [args, message] of [
      [["--target", join(dir, "unknown-metric.json")], /^kiln: .*unknown-metric\.json: at targets\[0\]\.metric: unknown metric "energy_man"/],
      [["--target", join(dir, "reversed.json")], /^kiln: .*reversed\.json: at priors\[0\]\.to: expected a value > from/],
      [["--target", writeBroken(dir)], /^kiln: .*broken\.json: (at line \d+, column \d+: )?invalid JSON/],
      [["--target", targets, "--particles", "1"], /^kiln: .*heat\.json: at --particles: expected an integer >= 2, got 1/]
    ] as Array<[string[], RegExp]>) {
      const r = cli([experiment, ...args, "--out", out, "--workers", "0"])
      expect(r.status, args.join(" ")).toBe(2)
      expect(r.stderr, args.join(" ")).toMatch(message)
      expect(r.stderr.trim().split("\n").length, args.join(" ")).toBe(1)
    }
    expect(existsSync(out)).toBe(false)
  })
})

const writeBroken = (dir: string): string => {
  const file = join(dir, "broken.json")
  writeFileSync(file, "{ \"priors\": [")
  return file
}
