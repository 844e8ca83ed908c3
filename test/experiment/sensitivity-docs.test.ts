// docs/EXPERIMENTS.md "Sensitivity analysis" is executed: its TypeScript example runs, the shipped experiments have
// the sizes it gives, and the Morris table it shows is what kiln analyze prints for the shipped experiment.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { expandDesign } from "../../src/experiment/design.js"
import { loadExperiment } from "../../src/experiment/load.js"
import { tempDir } from "./support.js"

const root = resolve(import.meta.dirname, "../..")
const doc = readFileSync(join(root, "docs/EXPERIMENTS.md"), "utf8")
const section = doc.slice(doc.indexOf("## Sensitivity analysis"), doc.indexOf("## Measured"))
const kiln = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } })

describe("docs/EXPERIMENTS.md, Sensitivity analysis", () => {
  it("the TypeScript example computes the indices of u0 + 2·u1·u2 (S1 0.3, 0.3, 0.3; ST 0.3, 0.4, 0.4)", async () => {
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]
      .replace(/from "kiln"/g, `from ${JSON.stringify(join(root, "src/index.ts"))}`)
      .concat("\nexport { indices }\n")
    const file = join(mkdtempSync(join(root, "node_modules/.kiln-sensitivity-doc-")), "example.mts")
    writeFileSync(file, code)
    const m = await import(file).finally(() => rmSync(dirname(file), { recursive: true, force: true }))
    const S1 = [0.3, 0.3, 0.3], ST = [0.3, 0.4, 0.4]
    m.indices.forEach((x: { s1: number; st: number; s1Conf: { lo: number; hi: number } }, i: number) => {
      expect(Math.abs(x.s1 - S1[i])).toBeLessThan(0.03)
      expect(Math.abs(x.st - ST[i])).toBeLessThan(0.03)
      expect(x.s1Conf.lo).toBeLessThan(x.s1Conf.hi)
    })
  })

  it("the shipped experiments have the points and runs the page gives", () => {
    const sobol = expandDesign(loadExperiment(join(root, "scenarios/experiments/sensitivity-sobol.json")))
    expect([sobol.points.length, sobol.runs.length]).toEqual([192, 384])
    expect(section).toContain("32 × 6 = 192 points, 2 replicates, 384 runs")
    const morris = expandDesign(loadExperiment(join(root, "scenarios/experiments/sensitivity-morris.json")))
    expect([morris.points.length, morris.runs.length]).toEqual([60, 120])
    expect(section).toContain("12\ntrajectories (60 points, 120 runs")
  })

  it("the Morris table shown is what kiln analyze prints for the shipped experiment", () => {
    const db = join(tempDir(), "sensitivity-morris.duckdb")
    const sweep = kiln(["sweep", "scenarios/experiments/sensitivity-morris.json", "--db", db, "--workers", "1", "--quiet"])
    expect(sweep.status, sweep.stderr).toBe(0)
    const r = kiln(["analyze", "morris", db, "--metric", "frustration_mean"])
    expect(r.status, r.stderr).toBe(0)
    const rows = (text: string) => [...text.matchAll(/^(gamma|conformity|dose|surprise)\s+(\S+)\s+(\S+)\s+\[(\S+), (\S+)\]\s+(\S+)\s+(\d+)$/gm)]
      .map((m) => [m[1], ...m.slice(2).map(Number)] as const)
    const shown = rows(/```\n(Morris elementary effects[\s\S]*?)```/.exec(section)![1])
    const got = rows(r.stdout)
    expect(shown).toHaveLength(4)
    expect(got.map((g) => [g[0], g[6]])).toEqual(shown.map((s) => [s[0], s[6]]))
    // the same numbers up to model changes: μ, μ* and σ within 0.05
    got.forEach((g, k) => [1, 2, 5].forEach((c) => expect(Math.abs((g[c] as number) - (shown[k][c] as number))).toBeLessThan(0.05)))
    expect(r.stdout.split("\n")[1]).toBe(/```\nMorris elementary effects[^\n]*\n([^\n]*)/.exec(section)![1])
  }, 120_000)
})
