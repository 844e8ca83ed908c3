// Meme evolution from the command line: `kiln run` writes lineages.parquet and variants.parquet beside the metrics,
// byte-identical on one and two threads, and they agree with the metrics.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { closeDb, openDb, readRows } from "../../src/experiment/store.js"

const root = resolve(import.meta.dirname, "../..")
const bin = join(root, "bin/kiln.mjs")
const scenario = join(root, "scenarios/evolution/annealing.scenario.json")
const kilnRun = (out: string, workers: number) =>
  spawnSync(process.execPath, [bin, "run", scenario, "--ticks", "60", "--quiet", "--workers", String(workers), "--out", out], {
    encoding: "utf8", timeout: 120_000, killSignal: "SIGKILL"
  })

const parquet = async (file: string) => {
  const h = await openDb(":memory:", false)
  try {
    return await readRows(h.conn, `SELECT * FROM read_parquet('${file}') ORDER BY ALL`)
  } finally {
    closeDb(h)
  }
}

describe("kiln run with meme evolution", () => {
  it("writes lineages and variants, the same on 1 and 2 threads, consistent with the metrics", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-evolution-"))
    const [one, two] = [1, 2].map((w) => {
      const out = join(dir, `w${w}`)
      const r = kilnRun(out, w)
      expect(r.status, r.stderr).toBe(0)
      return out
    })
    const manifest = JSON.parse(readFileSync(join(one, "manifest.json"), "utf8"))
    expect(manifest.files).toEqual(expect.arrayContaining(["lineages.parquet", "variants.parquet"]))
    for (const f of ["metrics.csv", "lineages.parquet", "variants.parquet"]) {
      expect(readFileSync(join(two, f)).equals(readFileSync(join(one, f))), f).toBe(true)
    }
    const lineages = await parquet(join(one, "lineages.parquet"))
    const variants = await parquet(join(one, "variants.parquet"))
    const csv = readFileSync(join(one, "metrics.csv"), "utf8").trim().split("\n").map((l) => l.split(","))
    const col = (name: string) => csv.slice(1).map((row) => Number(row[csv[0].indexOf(name)]))
    // eight founders, then every variant born
    expect(lineages.length).toBe(8 + col("variants_born").at(-1)!)
    expect(lineages.slice(0, 8).map((r) => r.founder)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"])
    const last = col("tick").at(-1)
    expect(variants.filter((r) => r.tick === last).length).toBe(col("variants_live").at(-1))
  })
})
