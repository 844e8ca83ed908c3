// Where `kiln run`, `kiln serve` and `kiln report` write, run as a user would: nothing deleted that Kiln did not
// write, earlier runs kept unless --overwrite, names kept inside runs/, unwritable paths refused at once.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../..")
const bin = join(root, "bin/kiln.mjs")
const kiln = (args: string[], cwd = root) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" })
const scenario = join(root, "scenarios/default.json")
/** A short run of the default scenario. */
const run = (args: string[], cwd = root) => kiln(["run", scenario, "--ticks", "2", "--quiet", "--workers", "1", ...args], cwd)
const temp = () => mkdtempSync(join(tmpdir(), "kiln-cli-out-"))
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))

describe("kiln run --out", () => {
  it("refuses a non-empty directory Kiln did not write, with or without --overwrite, and deletes nothing", () => {
    const cwd = temp()
    writeFileSync(join(cwd, "notes.txt"), "mine")
    for (const extra of [[], ["--overwrite"]]) {
      const r = run(["--out", ".", ...extra], cwd)
      expect(r.status).toBe(2)
      expect(r.stderr).toContain("kiln: .: at --out: is not empty and is not a Kiln run directory")
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
    expect(readdirSync(cwd)).toEqual(["notes.txt"])
  })

  it("keeps an earlier run: the default directory gets a sibling, an explicit --out needs --overwrite", () => {
    const cwd = temp()
    expect(run([], cwd).status).toBe(0)
    const first = manifestOf(join(cwd, "runs/default-1"))
    const beside = run([], cwd)
    expect(beside.status).toBe(0)
    expect(beside.stderr).toContain("runs/default-1 holds an earlier run; writing this one to runs/default-1-2")
    expect(manifestOf(join(cwd, "runs/default-1"))).toEqual(first)
    expect(readdirSync(join(cwd, "runs")).sort()).toEqual(["default-1", "default-1-2"])

    const refused = run(["--out", "runs/default-1", "--record-every", "2"], cwd)
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain("kiln: runs/default-1: at --out: holds an earlier Kiln run; pass --overwrite to replace it")
    expect(manifestOf(join(cwd, "runs/default-1"))).toEqual(first)

    expect(run(["--out", "runs/default-1", "--record-every", "2", "--overwrite"], cwd).status).toBe(0)
    expect(manifestOf(join(cwd, "runs/default-1")).scenario.recordEvery).toBe(2)
    expect(readdirSync(join(cwd, "runs")).sort()).toEqual(["default-1", "default-1-2"])
  })

  it("writes into an empty directory", () => {
    const out = join(temp(), "empty")
    mkdirSync(out)
    expect(run(["--out", out]).status).toBe(0)
    expect(manifestOf(out).status).toBe("complete")
  })

  it("keeps a scenario named like a path inside runs/", () => {
    const cwd = temp()
    const file = join(cwd, "escape.json")
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(scenario, "utf8")), name: "../../escape" }))
    const r = kiln(["run", file, "--ticks", "1", "--quiet", "--workers", "1"], cwd)
    expect(r.status).toBe(0)
    expect(readdirSync(cwd).sort()).toEqual(["escape.json", "runs"])
    expect(readdirSync(join(cwd, "runs"))).toEqual(["escape-1"])
  })

  it.runIf(existsSync("/proc/self"))("refuses an output under /proc at once (exit 2), where mkdir used to spin forever", () => {
    const t0 = Date.now()
    const r = run(["--out", "/proc/kiln-test"])
    expect(r.signal).toBeNull()
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^kiln: \/proc\/kiln-test: cannot write here: .*ENOENT/)
    expect(Date.now() - t0).toBeLessThan(30_000)
  })

  it("lists --overwrite in the help of run and serve", () => {
    expect(kiln(["run", "--help"]).stdout).toContain("--overwrite")
    expect(kiln(["serve", "--help"]).stdout).toContain("--overwrite")
  })
})

describe("kiln serve <scenario> --out", () => {
  it("refuses a directory Kiln did not write before starting the server", () => {
    const out = temp()
    writeFileSync(join(out, "notes.txt"), "mine")
    const r = kiln(["serve", scenario, "--port", "0", "--ticks", "1", "--out", out])
    expect(r.signal).toBeNull()
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("is not empty and is not a Kiln run directory")
    expect(r.stdout).not.toContain("Kiln viewer:")
    expect(readdirSync(out)).toEqual(["notes.txt"])
  })
})

describe("kiln report --out", () => {
  it.runIf(existsSync("/proc/self"))("refuses a directory under /proc at once", () => {
    const cwd = temp()
    expect(run(["--out", "r"], cwd).status).toBe(0)
    const r = kiln(["report", join(cwd, "r"), "--out", "/proc/sub/x.html"])
    expect(r.signal).toBeNull()
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("kiln: /proc/sub: cannot create the directory /proc/sub:")
  })
})
