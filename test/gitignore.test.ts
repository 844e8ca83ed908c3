// .gitignore covers what the commands write by default, and nothing that belongs to the repository.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")
const git = (args: string[]) => spawnSync("git", args, { cwd: root, encoding: "utf8" })
const ignored = (path: string) => git(["check-ignore", "--no-index", "-q", path]).status === 0

describe.runIf(existsSync(join(root, ".git")) && git(["--version"]).status === 0)(".gitignore", () => {
  it("ignores the default outputs of run, serve, sweep, export, report and plot", () => {
    for (const path of [
      "runs/default-1/manifest.json", // kiln run, kiln serve <scenario>
      "runs/default-1-2/frames.bin", // beside an earlier run
      "runs/default-1/report.html", // kiln report <run dir>
      "experiments/cooling.duckdb", // kiln sweep
      "experiments/cooling.shard-1-of-2.duckdb",
      "experiments/cooling.duckdb.wal",
      "experiments/cooling.html", // kiln report <db>
      "experiments/cooling-parquet/runs.parquet", // kiln export
      "experiments/cooling-csv/metrics.csv",
      "energy_mean.svg", // kiln plot
      "frustration_mean-energy.gamma.svg",
      ".quench.tmp-4242/metrics.csv", // a write cut short by a crash
      "experiments/cooling.html.tmp-4242"
    ]) {
      expect(ignored(path), path).toBe(true)
    }
  })

  it("ignores no file the repository tracks", () => {
    expect(git(["ls-files", "-ci", "--exclude-standard"]).stdout).toBe("")
    for (const path of ["scenarios/experiments/cooling.json", "docs/img/claims/claim01-dissonance.svg", "docs/img/default.png"]) {
      expect(ignored(path), path).toBe(false)
    }
  })
})
