// Checkpoints from the command line, as a user meets them: a run killed with kill -9 after a checkpoint and
// resumed ends with the same output files, byte for byte, as a run never interrupted (1 and 2 threads); forks
// branch at a kept checkpoint; what cannot be resumed or forked is refused with exit 2 and a reason.
import { spawn, spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { readCheckpoint } from "../../src/run/checkpoint.js"

const root = resolve(import.meta.dirname, "../..")
const bin = join(root, "bin/kiln.mjs")
const kiln = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 180_000, killSignal: "SIGKILL" })
const temp = () => mkdtempSync(join(tmpdir(), "kiln-cli-checkpoint-"))
// meme evolution and rituals (with migration): the most state a checkpoint must carry
const scenario = join(root, "scenarios/evolution/rituals.json")
const runArgs = (out: string, workers: number, ticks = 400) =>
  ["run", scenario, "--ticks", String(ticks), "--quiet", "--workers", String(workers), "--out", out, "--set", "graph.caves=120"]
const OUTPUTS = ["metrics.csv", "metrics.parquet", "agents.parquet", "groups.parquet", "ritual_lineages.parquet"]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Starts a checkpointed run and kills it with SIGKILL once a checkpoint at or after `tick` exists. */
const runAndKill = async (out: string, workers: number, tick: number): Promise<number> => {
  const child = spawn(process.execPath, [bin, ...runArgs(out, workers), "--checkpoint-every", "10"], { stdio: "ignore" })
  const exited = new Promise<void>((r) => child.on("exit", () => r()))
  const path = join(out, "checkpoint.kiln")
  for (let waited = 0; waited < 170_000; waited += 50) {
    if (existsSync(path)) {
      try {
        if (readCheckpoint(path).tick >= tick) break
      } catch {
        // the file is being replaced: read it again
      }
    }
    await sleep(50)
  }
  child.kill("SIGKILL")
  await exited
  return readCheckpoint(path).tick
}

describe("kiln run --checkpoint-every, kill -9, kiln resume", () => {
  for (const [workers, at] of [[1, 120], [2, 230]]) {
    it(`on ${workers} thread(s), killed after the checkpoint at tick ${at} or later, ends byte-identical to an uninterrupted run`, async () => {
      const dir = temp()
      const whole = kiln(runArgs(join(dir, "whole"), workers))
      expect(whole.status, whole.stderr).toBe(0)
      const killedAt = await runAndKill(join(dir, "killed"), workers, at)
      expect(killedAt).toBeGreaterThanOrEqual(at)
      expect(killedAt).toBeLessThan(400)
      const manifest = JSON.parse(readFileSync(join(dir, "killed", "manifest.json"), "utf8"))
      expect(manifest.status).toBe("running")
      const resumed = kiln(["resume", join(dir, "killed"), "--workers", String(workers), "--quiet"])
      expect(resumed.status, resumed.stderr).toBe(0)
      for (const f of OUTPUTS) {
        expect(readFileSync(join(dir, "killed", f)).equals(readFileSync(join(dir, "whole", f))), f).toBe(true)
      }
      expect(JSON.parse(readFileSync(join(dir, "killed", "manifest.json"), "utf8")).status).toBe("complete")
      // a complete run is not resumed again
      const again = kiln(["resume", join(dir, "killed")])
      expect(again.status).toBe(2)
      expect(again.stderr).toContain("holds a complete run: nothing to resume")
      expect(again.stderr).not.toMatch(/\n\s+at /)
    })
  }
})

describe("kiln resume refuses", () => {
  it("a checkpoint of another scenario than the run's, and a run made without checkpoints (exit 2, the reason)", () => {
    const dir = temp()
    // an interrupted run: its manifest says running; then another run's checkpoint is put in its place
    const a = kiln([...runArgs(join(dir, "a"), 1, 40), "--checkpoint-every", "20"])
    expect(a.status, a.stderr).toBe(0)
    const b = kiln([...runArgs(join(dir, "b"), 1, 40), "--checkpoint-every", "20", "--set", "energy.gamma=0.3"])
    expect(b.status, b.stderr).toBe(0)
    const manifest = JSON.parse(readFileSync(join(dir, "a", "manifest.json"), "utf8"))
    writeFileSync(join(dir, "a", "manifest.json"), JSON.stringify({ ...manifest, status: "running" }))
    copyFileSync(join(dir, "b", "checkpoint.kiln"), join(dir, "a", "checkpoint.kiln"))
    const other = kiln(["resume", join(dir, "a")])
    expect(other.status).toBe(2)
    expect(other.stderr).toContain("checkpoint.kiln is of another scenario than this run's manifest")
    expect(kiln(["run", scenario, "--ticks", "5", "--quiet", "--out", join(dir, "plain")]).status).toBe(0)
    const plain = JSON.parse(readFileSync(join(dir, "plain", "manifest.json"), "utf8"))
    writeFileSync(join(dir, "plain", "manifest.json"), JSON.stringify({ ...plain, status: "running" }))
    const none = kiln(["resume", join(dir, "plain")])
    expect(none.status).toBe(2)
    expect(none.stderr).toContain("was not run with --checkpoint-every")
  })
})

describe("kiln fork", () => {
  it("branches at a kept checkpoint with changed parameters; its history up to the fork is the original's", () => {
    const dir = temp()
    const original = kiln([...runArgs(join(dir, "a"), 1, 100), "--checkpoint-every", "25", "--keep-checkpoints"])
    expect(original.status, original.stderr).toBe(0)
    const f = kiln(["fork", join(dir, "a"), "--at", "50", "--set", "evolution.rituals.rate=0", "--out", join(dir, "f"), "--quiet"])
    expect(f.status, f.stderr).toBe(0)
    const rows = (d: string) => readFileSync(join(d, "metrics.csv"), "utf8").trim().split("\n")
    const a = rows(join(dir, "a"))
    const b = rows(join(dir, "f"))
    const upTo50 = (r: string[]) => r.filter((line, k) => k === 0 || Number(line.split(",")[0]) <= 50)
    expect(upTo50(b)).toEqual(upTo50(a))
    expect(b.length).toBe(a.length)
    const m = JSON.parse(readFileSync(join(dir, "f", "manifest.json"), "utf8"))
    expect(m.forkedFrom).toMatchObject({ tick: 50, set: ["evolution.rituals.rate=0"] })
    expect(m.scenario.evolution.rituals.rate).toBe(0)
  })

  it("refuses a tick without a checkpoint, a change of graph, and a directory without checkpoints (exit 2, the reason)", () => {
    const dir = temp()
    expect(kiln([...runArgs(join(dir, "a"), 1, 40), "--checkpoint-every", "20", "--keep-checkpoints"]).status).toBe(0)
    const noTick = kiln(["fork", join(dir, "a"), "--at", "21", "--out", join(dir, "x")])
    expect(noTick.status).toBe(2)
    expect(noTick.stderr).toContain("no checkpoint at tick 21; it has checkpoints at 20")
    const graph = kiln(["fork", join(dir, "a"), "--at", "20", "--set", "graph.caves=5", "--out", join(dir, "y")])
    expect(graph.status).toBe(2)
    expect(graph.stderr).toContain("a fork cannot change graph")
    expect(kiln(["run", scenario, "--ticks", "5", "--quiet", "--out", join(dir, "plain")]).status).toBe(0)
    const none = kiln(["fork", join(dir, "plain")])
    expect(none.status).toBe(2)
    expect(none.stderr).toContain("has no checkpoints")
    const noEvery = kiln(["run", scenario, "--ticks", "5", "--keep-checkpoints", "--out", join(dir, "z")])
    expect(noEvery.status).toBe(2)
    expect(noEvery.stderr).toContain("--keep-checkpoints: needs --checkpoint-every N")
    expect(existsSync(join(dir, "x")) || existsSync(join(dir, "y")) || existsSync(join(dir, "z"))).toBe(false)
  })
})
