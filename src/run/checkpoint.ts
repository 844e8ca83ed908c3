// Checkpoints of a single run: everything that carries a run from one tick to the next — every per-agent and
// per-variant array with the agents' random streams, group membership, plugin state, the evolutionary processes'
// bookkeeping, the metrics rows recorded so far and what the stop rules have seen — with the resolved scenario.
// A world rebuilt from that scenario and given the checkpoint continues exactly as the original would have.
//
// File: "KILNCKP1", a u32 (little-endian) byte length and a JSON header (Kiln version, tick, scenario name), then
// the checkpoint as Node's structured serialisation (node:v8), which keeps typed arrays as they are.
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { deserialize, serialize } from "node:v8"
import { InputError } from "../errors.js"
import type { World } from "../model/world.js"
import type { Scenario } from "../scenario/schema.js"
import { KILN_VERSION } from "../version.js"
import type { LoopPosition } from "./loop.js"
import { writeFileAtomic } from "../io/output-dir.js"

export const CHECKPOINT_FILE = "checkpoint.kiln"
/** With every checkpoint kept (for forks at any of them): checkpoints/tick-<tick>.kiln */
export const CHECKPOINTS_DIR = "checkpoints"
const MAGIC = "KILNCKP1"

type Arrays = Record<string, ArrayBufferView>

export interface Checkpoint extends LoopPosition {
  readonly kiln: string
  /** the scenario as run (seed, ticks and overrides applied) and the file it came from (graph files, plugins) */
  readonly scenario: Scenario
  readonly file: string
  readonly state: Arrays
  readonly groupOf: Int32Array
  /** per plugin (by name), its state arrays */
  readonly plugins: Record<string, Arrays>
  /** each evolutionary process's `save()`, in the world's order */
  readonly processes: ReadonlyArray<unknown>
}

/** Copies (shared memory cannot be serialised in place, and the run goes on) of the arrays of an object. */
const copies = (arrays: object): Arrays =>
  Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, (v as Uint8Array).slice()]))

/** The checkpoint of a world at a loop position. */
export const captureCheckpoint = (world: World, at: LoopPosition): Checkpoint => ({
  kiln: KILN_VERSION,
  scenario: world.scenario,
  file: world.file,
  tick: at.tick,
  rows: at.rows.map((r) => [...r]),
  stop: at.stop,
  state: copies(world.state),
  groupOf: world.constants.groupOf.slice(),
  plugins: Object.fromEntries(world.plugins.map((p) => [p.plugin.name, copies(p.state)])),
  processes: world.processes.map((p) => p.save())
})

export const encodeCheckpoint = (c: Checkpoint): Buffer => {
  const header = Buffer.from(JSON.stringify({ kiln: c.kiln, tick: c.tick, scenario: c.scenario.name }))
  const length = Buffer.alloc(4)
  length.writeUInt32LE(header.length)
  return Buffer.concat([Buffer.from(MAGIC), length, header, serialize(c)])
}

/**
 * Writes `dir/checkpoint.kiln` atomically (a temporary name, then a rename), and with `keep` also
 * `dir/checkpoints/tick-<tick>.kiln`. Returns the path written last.
 */
export const writeCheckpoint = (dir: string, c: Checkpoint, keep: boolean): string => {
  const bytes = encodeCheckpoint(c)
  const atomically = (path: string) => writeFileAtomic(path, bytes)
  if (keep) {
    mkdirSync(join(dir, CHECKPOINTS_DIR), { recursive: true })
    atomically(join(dir, CHECKPOINTS_DIR, `tick-${String(c.tick).padStart(8, "0")}.kiln`))
  }
  const latest = join(dir, CHECKPOINT_FILE)
  atomically(latest)
  return latest
}

/** Reads a checkpoint file; one of another Kiln version, or not a checkpoint at all, is an InputError. */
export const readCheckpoint = (path: string): Checkpoint => {
  const fail = (message: string): never => {
    throw new InputError({ file: path, path: "", message })
  }
  if (!existsSync(path)) fail("not found")
  const bytes = readFileSync(path)
  if (bytes.length < 12 || bytes.subarray(0, 8).toString("latin1") !== MAGIC) fail("not a Kiln checkpoint")
  const length = bytes.readUInt32LE(8)
  const header = JSON.parse(bytes.subarray(12, 12 + length).toString("utf8")) as { kiln: string }
  if (header.kiln !== KILN_VERSION) {
    fail(`written by Kiln ${header.kiln}; this is Kiln ${KILN_VERSION}, whose state may differ: resume or fork it with Kiln ${header.kiln}`)
  }
  return deserialize(bytes.subarray(12 + length)) as Checkpoint
}

/** The checkpoints of a run directory by tick: every kept one, and the latest. */
export const checkpointsIn = (dir: string): Map<number, string> => {
  const found = new Map<number, string>()
  const kept = join(dir, CHECKPOINTS_DIR)
  if (existsSync(kept)) {
    for (const f of readdirSync(kept)) {
      const m = /^tick-(\d+)\.kiln$/.exec(f)
      if (m) found.set(Number(m[1]), join(kept, f))
    }
  }
  const latest = join(dir, CHECKPOINT_FILE)
  if (existsSync(latest)) found.set(readCheckpoint(latest).tick, latest)
  return found
}

/**
 * Puts a checkpoint's state into a world built from a compatible scenario (the same graph, beliefs, memes, slots
 * and plugins: every array has the length it had). A mismatch is an InputError naming the array.
 */
export const restoreCheckpoint = (world: World, c: Checkpoint, file: string): void => {
  const into = (target: object, saved: Arrays, what: string) => {
    for (const [k, v] of Object.entries(target) as Array<[string, Uint8Array]>) {
      const from = saved[k] as Uint8Array | undefined
      if (from === undefined || from.length !== v.length || from.constructor !== v.constructor) {
        throw new InputError({
          file, path: "",
          message: `the checkpoint's ${what}.${k} does not fit this world (${from?.length ?? "no"} values, expected ${v.length}): ` +
            "a checkpoint continues only a world with the same graph, beliefs, memes, evolution slots and plugins"
        })
      }
      v.set(from)
    }
  }
  into(world.state, c.state, "state")
  into({ groupOf: world.constants.groupOf }, { groupOf: c.groupOf }, "constants")
  for (const p of world.plugins) into(p.state, c.plugins[p.plugin.name] ?? {}, p.plugin.name)
  if (world.processes.length !== c.processes.length) {
    throw new InputError({ file, path: "evolution", message: "the checkpoint's evolutionary processes differ from this scenario's" })
  }
  world.processes.forEach((p, k) => p.load(c.processes[k]))
}

/**
 * What a fork may not change, by scenario key: the graph and what fixes the state's layout and meaning. Memes'
 * parameters may change, except with meme evolution, where the founders' traits are state.
 */
export const fixedParts = (s: Scenario): Record<string, unknown> => ({
  graph: s.graph,
  weights: s.weights,
  beliefs: s.beliefs.map((b) => b.name),
  groups: s.groups.map((g) => [g.name, g.identity]),
  memes: s.evolution.memes ? s.memes : s.memes.map((m) => [m.name, m.content]),
  patterns: s.patterns.map((p) => p.name),
  plugins: (s.plugins ?? []).map((p) => p.module),
  "evolution.memes": s.evolution.memes && [s.evolution.memes.slots, s.evolution.memes.capacity],
  "evolution.rituals": s.evolution.rituals !== undefined
})
