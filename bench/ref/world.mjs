// The C reference kernel's side in JavaScript: writes a prepared world to the binary file bench/ref/kernel.c
// reads, compiles the kernel with gcc, runs it and reads back its final state. No import of Kiln itself, so the
// benchmark scripts (over dist/) and the tests (over src/) share it.
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const source = new URL("kernel.c", import.meta.url).pathname

/** gcc's flags: -ffp-contract=off keeps every multiply and add rounded separately, as JavaScript does. */
export const GCC_FLAGS = ["-O3", "-march=native", "-ffp-contract=off"]

/** Why the world is outside what the C reference implements (the benchmark's scenario), or undefined. */
export const unsupported = (world) => {
  const { constants: c, state: s, inputs: x, topology: t } = world
  if (c.M > 0 || c.variation.K > 0) return "memes"
  if (c.evidence) return "factual beliefs"
  if (c.contentFields || world.scenario.interventions.length > 0) return "interventions"
  if (c.valence !== 0) return "energy.valence"
  if (world.plugins.length > 0 || world.processes.length > 0) return "plugins or evolutionary processes"
  if (!t.weights.every((w) => w >= 0)) return "negative tie weights"
  if (x.ritual.some((r) => r >= 0) || x.sleep.some((v) => v !== 0)) return "rituals or sleep"
  for (const k of ["heat", "sinks", "depth", "volatility", "valence", "complexityBias", "fieldHeat", "consonance"]) {
    if (x[k].some((v) => v !== 0)) return `intervention input ${k}`
  }
  if (c.B > 64) return "more than 64 beliefs"
  if (s.spins.length !== c.n * c.B) return "state layout"
  return undefined
}

const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/** Writes the world (constants, CSR graph, colour classes, state) in kernel.c's format; temporary name, then rename. */
export const dumpWorld = (world, file) => {
  const why = unsupported(world)
  if (why !== undefined) throw new Error(`bench/ref: the C reference kernel does not implement ${why}`)
  const { constants: c, state: s, topology: t } = world
  const expressedCount = c.expressed.reduce((a, e) => a + e, 0)
  const head = new Int32Array([c.n, c.B, c.P, t.neighbours.length, t.classStart.length - 1, c.hStride, world.scenario.sweeps, expressedCount])
  const k = new Float64Array([c.tau0, c.energyMax, c.gamma, c.surpriseGain, c.theta, c.saturation, c.eta, c.wMax, c.conformity])
  const parts = [
    Buffer.from("KILNREF1"), bytes(head), bytes(k), bytes(c.expressed),
    bytes(t.offsets), bytes(t.neighbours), bytes(t.weights), bytes(t.order), bytes(t.classStart),
    bytes(s.dispositions), bytes(s.energy), bytes(s.rest), bytes(s.spins), bytes(s.couplings), bytes(s.rng), bytes(s.surprise)
  ]
  const tmp = `${file}.tmp-${process.pid}`
  writeFileSync(tmp, Buffer.concat(parts))
  renameSync(tmp, file)
}

/** The final state kernel.c writes: spins, couplings, energy, surprise, rng (as the world's arrays). */
export const readState = (file, n, B, P) => {
  const buf = readFileSync(file)
  let at = 0
  const take = (Ctor, count) => {
    const out = new Ctor(count)
    bytes(out).set(buf.subarray(at, at + out.byteLength))
    at += out.byteLength
    return out
  }
  const state = {
    spins: take(Int8Array, n * B),
    couplings: take(Float32Array, n * P),
    energy: take(Float64Array, n),
    surprise: take(Float32Array, n),
    rng: take(Uint32Array, 4 * n)
  }
  if (at !== buf.length) throw new Error(`bench/ref: ${file} has ${buf.length} bytes, expected ${at}`)
  return state
}

/** Whether gcc runs here. */
export const hasGcc = () => spawnSync("gcc", ["--version"], { stdio: "ignore" }).status === 0

/** Compiles kernel.c into a fresh temporary directory; returns the directory and the program's path. */
export const buildReference = () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-ref-"))
  const bin = join(dir, "kernel")
  execFileSync("gcc", [...GCC_FLAGS, "-o", bin, source], { stdio: ["ignore", "ignore", "inherit"] })
  return { dir, bin }
}

/** Runs the reference: `warmup` ticks, then `ticks` timed ones; writes the final state to `out` when given. */
export const runReference = (bin, worldFile, ticks, warmup, out) => {
  const args = [worldFile, String(ticks), String(warmup), ...(out ? [out] : [])]
  return JSON.parse(execFileSync(bin, args, { encoding: "utf8" }).trim())
}

export const removeDir = (dir) => rmSync(dir, { recursive: true, force: true })
