// docs/EXPERIMENTS.md is executed: its TypeScript example runs, and its first query gives the table the page shows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { query } from "../../src/experiment/store.js"
import { tempDir } from "./support.js"

const root = resolve(import.meta.dirname, "../..")

describe("docs/EXPERIMENTS.md", () => {
  it("the TypeScript example sweeps the example experiment, and the first query gives the table shown", async () => {
    const doc = readFileSync(join(root, "docs/EXPERIMENTS.md"), "utf8")
    const db = join(tempDir(), "cooling.duckdb")
    const code = /```ts\n([\s\S]*?)```/.exec(doc)![1]
      .replace(/from "kiln"/g, `from ${JSON.stringify(join(root, "src/index.ts"))}`)
      .replace(/"experiments\/cooling\.duckdb"/g, JSON.stringify(db))
      .replace(/console\.log/g, "void")
      .replace(/workers: 2/g, "workers: 0")
      .concat("\nexport { result, rows, runs, metrics, final }\n")
    const file = join(mkdtempSync(join(root, "node_modules/.kiln-experiments-doc-")), "example.mts")
    writeFileSync(file, code)
    const m = await import(file).finally(() => rmSync(dirname(file), { recursive: true, force: true }))
    expect(m.result).toMatchObject({ total: 12, finished: 12, failed: 0 })
    expect(m.rows).toHaveLength(2)
    expect([m.runs.length, m.final.length]).toEqual([12, 12])

    const block = /```sql\n([\s\S]*?)```/.exec(doc)![1]
    const sql = block.slice(0, block.indexOf(";") + 1)
    const shown = [...block.matchAll(/^-- (\w+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)/gm)].map((r) => [r[1], Number(r[2]), Number(r[3]), Number(r[4])])
    const got = (await query(db, sql)).map((r) => [r.schedule, r.social_conformity, r.frustration, r.ticks])
    // the same rows and stopping ticks; frustration as the page says up to model changes: slow ends far lower
    expect(got.map(([s, c, , t]) => [s, c, t])).toEqual(shown.map(([s, c, , t]) => [s, c, t]))
    for (const [k, row] of got.entries()) expect(Math.abs((row[2] as number) - (shown[k][2] as number))).toBeLessThan(0.1)
    for (const c of [0.1, 0.4]) {
      const f = (s: string) => got.find((r) => r[0] === s && r[1] === c)![2] as number
      expect(f("slow")).toBeLessThan(f("quench") - 0.2)
    }

    // the paired comparison (common random numbers) gives the differences the page shows, up to model changes
    const paired = /```sql\n(-- the example experiment[\s\S]*?)```/.exec(doc)![1]
    const pairedShown = [...paired.matchAll(/^-- ([\d.]+)\s+([\d.]+)\s+(\d+)$/gm)].map((r) => [Number(r[1]), Number(r[2]), Number(r[3])])
    const pairs = (await query(db, paired.slice(0, paired.indexOf(";") + 1))).map((r) => [r.social_conformity, r.quench_minus_slow, Number(r.pairs)])
    expect(pairs.map(([c, , n]) => [c, n])).toEqual(pairedShown.map(([c, , n]) => [c, n]))
    for (const [k, row] of pairs.entries()) expect(Math.abs((row[1] as number) - pairedShown[k][1])).toBeLessThan(0.1)
  })
})
