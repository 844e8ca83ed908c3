// Stopping `kiln` with SIGINT, SIGTERM or SIGHUP: it exits promptly with 128 + the signal's number, its server's
// port is free, and an interrupted run leaves no output or temporary directory. `npm start` passes SIGTERM on.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readdirSync } from "node:fs"
import { createServer } from "node:net"
import { constants, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = resolve(import.meta.dirname, "..", "..")
const KILN = join(ROOT, "bin", "kiln.mjs")
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const

const start = (command: string, args: ReadonlyArray<string>) =>
  spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } })

/** Resolves with the first match of `pattern` on the child's stdout. */
const waitFor = (child: ChildProcess, pattern: RegExp, ms: number): Promise<RegExpExecArray> =>
  new Promise((resolvePromise, reject) => {
    let out = ""
    let err = ""
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms; stdout: ${out} stderr: ${err}`)), ms)
    child.stderr!.on("data", (c) => (err += c))
    child.stdout!.on("data", (c) => {
      out += c
      const m = pattern.exec(out)
      if (m) {
        clearTimeout(timer)
        resolvePromise(m)
      }
    })
  })

/** Sends the signal and resolves with the exit code (or signal) and how long exiting took. */
const stop = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolvePromise) => {
    const t0 = Date.now()
    child.once("exit", (code, sig) => resolvePromise({ code, signal: sig, ms: Date.now() - t0 }))
    child.kill(signal)
  })

const portIsFree = (port: number) =>
  new Promise<boolean>((resolvePromise) => {
    const probe = createServer()
    probe.once("error", () => resolvePromise(false))
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolvePromise(true)))
  })

describe("kiln serve stops on a signal", () => {
  it.each(SIGNALS)("%s: exits promptly, the port is free and the run was not written", async (signal) => {
    const out = join(mkdtempSync(join(tmpdir(), "kiln-signal-")), "run")
    const child = start(process.execPath, [KILN, "serve", "scenarios/default.json", "--port", "0", "--out", out])
    const [, port] = await waitFor(child, /Kiln viewer: http:\/\/127\.0\.0\.1:(\d+)\//, 60_000)
    const exit = await stop(child, signal)
    expect(exit.code).toBe(128 + constants.signals[signal])
    expect(exit.ms).toBeLessThan(5_000)
    expect(await portIsFree(Number(port))).toBe(true)
    expect(readdirSync(resolve(out, ".."))).toEqual([])
  })
})

describe("kiln run stops on a signal", () => {
  it.each(SIGNALS)("%s mid-run: exits promptly with no output directory and no temporary directory left", async (signal) => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-signal-"))
    const child = start(process.execPath, [KILN, "run", "scenarios/default.json", "--ticks", "100000", "--workers", "2", "--out", join(dir, "run")])
    let err = ""
    child.stderr!.on("data", (c) => (err += c))
    // Well into the run: the world is built and the workers are stepping.
    await new Promise((r) => setTimeout(r, 3_000))
    const exit = await stop(child, signal)
    expect(exit.code, err).toBe(128 + constants.signals[signal])
    expect(exit.ms).toBeLessThan(5_000)
    expect(readdirSync(dir)).toEqual([])
  })
})

describe("npm start", () => {
  it("passes SIGTERM on to the server, which exits and frees its port", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kiln-signal-")), "run")
    const npm = start("npm", ["start", "--silent", "--", "--port", "0", "--out", out])
    const [, port] = await waitFor(npm, /Kiln viewer: http:\/\/127\.0\.0\.1:(\d+)\//, 120_000)
    const exit = await stop(npm, "SIGTERM")
    expect(exit.ms).toBeLessThan(5_000)
    expect(await portIsFree(Number(port))).toBe(true)
  })
})
