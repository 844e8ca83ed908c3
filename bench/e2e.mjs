// End to end through the CLI, as a user runs Kiln: `kiln run` of a generated scenario file, timed from outside,
// with the process's peak RSS (all threads), the setup and stepping times the manifest records, and the rest
// (start-up, writing the outputs). Prints one JSON line.
// Usage: node bench/e2e.mjs <agents> <beliefs> <ticks> <threads> [recordEvery]
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"

const [agents, beliefs, ticks, threads, recordEvery = 1] = process.argv.slice(2).map(Number)
const dir = mkdtempSync(join(tmpdir(), "kiln-e2e-"))
const kiln = new URL("../bin/kiln.mjs", import.meta.url).pathname
const peak = new URL("peak-rss.cjs", import.meta.url).pathname
try {
  const scenario = join(dir, "scenario.json")
  writeFileSync(scenario, JSON.stringify({
    name: "e2e",
    seed: 1,
    ticks,
    recordEvery,
    graph: { kind: "barabasiAlbert", n: agents, m: 5 },
    beliefs: Array.from({ length: beliefs }, (_, a) => ({ name: `b${a}` })),
    prior: { sd: 0.3, noise: 0.1 },
    social: { conformity: 0.2 }
  }))
  const out = join(dir, "run")
  const rssFile = join(dir, "rss")
  const load = loadavg()[0]
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, ["--require", peak, kiln, "run", scenario, "--out", out, "--workers", String(threads), "--quiet"], {
    encoding: "utf8", env: { ...process.env, KILN_BENCH_RSS_FILE: rssFile }, maxBuffer: 1 << 26
  })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`kiln run failed (${r.status}): ${r.stderr}`)
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"))
  const files = Object.fromEntries(manifest.files.map((f) => [f, spawnSync("du", ["-sb", join(out, f)], { encoding: "utf8" }).stdout.split("\t")[0] * 1]))
  console.log(JSON.stringify({
    agents, beliefs, ticks, threads, record_every: recordEvery,
    wall_s: wall,
    setup_s: manifest.setupSeconds,
    stepping_s: manifest.wallSeconds,
    other_s: wall - manifest.setupSeconds - manifest.wallSeconds,
    peak_rss_bytes: Number(readFileSync(rssFile, "utf8")),
    output_bytes: files,
    load_before: load,
    load_after: loadavg()[0]
  }))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
