// Output directories: parents made without Node's recursive mkdir, names safe for paths, nothing deleted that
// Kiln did not write, earlier runs replaced atomically, temporary directories of dead processes cleaned.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, sep } from "node:path"
import { describe, expect, it } from "vitest"
import { cleanStaleTemps, ensureDir, isKilnRun, planRunDir, safeName, swapInto } from "../../src/io/output-dir.js"
import { inputErrorOf } from "../support/errors.js"

const temp = () => mkdtempSync(join(tmpdir(), "kiln-outdir-"))

/** A directory that looks like a finished Kiln run. */
const fakeRun = (dir: string, marker = "old") => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ status: "complete", kiln: "0.1.0", files: ["metrics.csv"] }))
  writeFileSync(join(dir, "metrics.csv"), marker)
}


/** The pid of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!

describe("ensureDir", () => {
  it("creates missing parents and accepts existing directories", () => {
    const root = temp()
    expect(ensureDir(join(root, "a/b/c"))).toBe(join(root, "a/b/c"))
    expect(ensureDir(join(root, "a/b/c"))).toBe(join(root, "a/b/c"))
    expect(readdirSync(join(root, "a/b"))).toEqual(["c"])
  })

  it("names the file that stands where a directory should be", () => {
    const root = temp()
    writeFileSync(join(root, "f"), "")
    expect(inputErrorOf(() => ensureDir(join(root, "f/x/y"))).message).toContain(`${join(root, "f")} is a file`)
  })

  it.runIf(existsSync("/proc/self"))("fails at once under /proc, where Node's recursive mkdir never returns", () => {
    const e = inputErrorOf(() => ensureDir("/proc/kiln-test/x"))
    expect(e.file).toBe("/proc/kiln-test/x")
    expect(e.message).toMatch(/cannot create the directory \/proc\/kiln-test: .*ENOENT/)
  })
})

describe("safeName", () => {
  it("keeps ordinary names", () => {
    expect(safeName("default")).toBe("default")
    expect(safeName("cult-vs-community_v2.1")).toBe("cult-vs-community_v2.1")
    expect(safeName("coöling")).toBe("coöling")
  })

  it("never yields separators, '..', control characters, a leading dot, an empty or an unbounded name", () => {
    for (const name of ["../../escape", "..", ".", "", "/", "a/../../b", "a\\..\\b", "x\u0000y\n", ".hidden", "-", "x".repeat(500)]) {
      const s = safeName(name)
      expect(s).not.toMatch(/[/\\\u0000-\u001f]/)
      expect(s).not.toContain("..")
      expect(s.startsWith(".")).toBe(false)
      expect(s.length).toBeGreaterThan(0)
      expect(s.length).toBeLessThanOrEqual(64)
      expect(relative("runs", join("runs", `${s}-1`)).split(sep)).toHaveLength(1)
    }
    expect(safeName("../../escape")).toBe("escape")
    expect(safeName("")).toBe("run")
  })
})

describe("planRunDir", () => {
  it("uses a missing or empty directory", () => {
    const root = temp()
    expect(planRunDir(join(root, "new/run")).dir).toBe(join(root, "new/run"))
    mkdirSync(join(root, "empty"))
    expect(planRunDir(join(root, "empty"))).toEqual({ dir: join(root, "empty") })
  })

  it("refuses a directory Kiln did not write, even with overwrite, and leaves it alone", () => {
    const root = temp()
    writeFileSync(join(root, "notes.txt"), "mine")
    for (const o of [{}, { overwrite: true }, { beside: true }]) {
      expect(inputErrorOf(() => planRunDir(root, o)).message).toContain("not a Kiln run directory")
    }
    writeFileSync(join(root, "manifest.json"), "{\"name\": \"someone else's\"}")
    expect(inputErrorOf(() => planRunDir(root, { overwrite: true })).message).toContain("not a Kiln run directory")
    expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe("mine")
    expect(inputErrorOf(() => planRunDir(join(root, "notes.txt"))).message).toContain("not a directory")
  })

  it("replaces an earlier run only with overwrite; the default directory goes beside it instead", () => {
    const root = temp()
    const dir = join(root, "default-1")
    fakeRun(dir)
    expect(isKilnRun(dir)).toBe(true)
    expect(inputErrorOf(() => planRunDir(dir)).message).toContain("pass --overwrite")
    expect(planRunDir(dir, { overwrite: true })).toEqual({ dir })
    const beside = planRunDir(dir, { beside: true })
    expect(beside.dir).toBe(`${dir}-2`)
    expect(beside.note).toContain(`writing this one to ${dir}-2`)
    fakeRun(`${dir}-2`)
    expect(planRunDir(dir, { beside: true }).dir).toBe(`${dir}-3`)
    expect(readFileSync(join(dir, "metrics.csv"), "utf8")).toBe("old")
  })
})

describe("swapInto", () => {
  it("replaces the earlier directory and leaves nothing aside", () => {
    const root = temp()
    fakeRun(join(root, "run"), "old")
    fakeRun(join(root, ".run.tmp-1"), "new")
    swapInto(join(root, ".run.tmp-1"), join(root, "run"))
    expect(readFileSync(join(root, "run/metrics.csv"), "utf8")).toBe("new")
    expect(readdirSync(root)).toEqual(["run"])
  })

  it("puts the earlier directory back when the new one cannot be moved in", () => {
    const root = temp()
    fakeRun(join(root, "run"), "old")
    expect(() => swapInto(join(root, "missing"), join(root, "run"))).toThrow()
    expect(readFileSync(join(root, "run/metrics.csv"), "utf8")).toBe("old")
    expect(readdirSync(root)).toEqual(["run"])
  })
})

describe("cleanStaleTemps", () => {
  it("removes only Kiln's temporary directories of dead processes", () => {
    const root = temp()
    const dead = deadPid()
    const keep = [`.a.tmp-${process.pid}`, `.b.tmp-${process.ppid}`, "c.tmp-1", `.d.tmp-x${dead}`, `.e.old-${dead}`, "run"]
    for (const d of [`.run.tmp-${dead}`, `.run.old-${dead}`, ...keep]) mkdirSync(join(root, d))
    writeFileSync(join(root, `.f.tmp-${dead}`), "a file, not Kiln's directory")
    cleanStaleTemps(root)
    // .e.old-<dead> stays: without "e" it may be the only copy of a run being replaced when the process died.
    expect(readdirSync(root).sort()).toEqual([...keep, `.f.tmp-${dead}`].sort())
  })
})
