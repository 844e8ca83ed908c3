// Recording frames while a run steps, and writing `frames.bin` (format: src/io/frames-format.ts).
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  beliefBytes, COUPLINGS, encodeStateViews, FRAMES_FILE, frameStride, HEADER_BYTES, LINEAGES, lineageOffset, lineageTableBytes, PLUGIN_STATE,
  pluginStateOffset, writeHeader, writeLineageTable, type FrameShape, type LineageTable, type StateView
} from "./frames-format.js"
import { Kernel, Slot, SLOTS } from "../model/kernel.js"
import { viewedArrays } from "../model/plugin.js"
import type { World } from "../model/world.js"

export * from "./frames-format.js"

/** Writes agent state at `tick` into `out` (one frame record) from the world and Kernel.measure's output. */
export const encodeFrame = (w: World, tick: number, perAgent: Float64Array, out: Uint8Array): void => {
  encodeState(w, tick, perAgent, out)
  if (w.memeVariants !== undefined) encodeLineages(w, out)
  encodePluginState(w, out)
}

const encodeState = (w: World, tick: number, perAgent: Float64Array, out: Uint8Array): void => {
  const { n, B, M } = w.constants
  const { spins, energy, hosts, salience } = w.state
  const W = beliefBytes(B)
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  view.setInt32(0, tick, true)
  const e = new Float32Array(out.buffer, out.byteOffset + 4, n)
  const att = new Float32Array(out.buffer, out.byteOffset + 4 + 4 * n, n)
  const meme = new Int8Array(out.buffer, out.byteOffset + 4 + 8 * n, n)
  const bits = new Uint8Array(out.buffer, out.byteOffset + 4 + 9 * n, n * W)
  bits.fill(0)
  for (let i = 0; i < n; i++) {
    e[i] = energy[i]
    att[i] = perAgent[i * SLOTS + Slot.attachment]
    let best = -1
    for (let m = 0; m < M; m++) {
      if (hosts[i * M + m] === 1 && (best < 0 || salience[i * M + m] > salience[i * M + best])) best = m
    }
    meme[i] = best
    for (let a = 0; a < B; a++) if (spins[i * B + a] > 0) bits[i * W + (a >> 3)] |= 1 << (a & 7)
  }
}

/** With meme evolution (no per-agent meme columns): each agent's dominant lineage, and its founder as the meme. */
const encodeLineages = (w: World, out: Uint8Array): void => {
  const v = w.memeVariants!
  const n = w.constants.n
  const meme = new Int8Array(out.buffer, out.byteOffset + 4 + 8 * n, n)
  const lineage = new Int32Array(out.buffer, out.byteOffset + lineageOffset(shapeOf(w)), n)
  for (let i = 0; i < n; i++) {
    const id = v.dominantLineage(i)
    lineage[i] = id
    meme[i] = id < 0 ? -1 : v.lineage(id).root
  }
}

/** The plugin arrays declared viewable, as float32 after the rest of the frame. */
const encodePluginState = (w: World, out: Uint8Array): void => {
  const n = w.constants.n
  const at = out.byteOffset + pluginStateOffset(shapeOf(w), flagsOf(w))
  viewedArrays(w.plugins).forEach((v, k) => new Float32Array(out.buffer, at + 4 * n * k, n).set(v.values))
}

const shapeOf = (w: World): FrameShape => ({ n: w.constants.n, B: w.constants.B, M: w.constants.M, P: w.constants.P })

const flagsOf = (w: World): number =>
  (w.memeVariants !== undefined ? LINEAGES : 0) | (viewedArrays(w.plugins).length > 0 ? PLUGIN_STATE : 0)

/** Bytes of one frame record of this world. */
const strideOf = (w: World): number => frameStride(shapeOf(w), flagsOf(w), viewedArrays(w.plugins).length)

/** The declarations that close the file: which plugin arrays the frames carry, and how to colour them. */
const stateViews = (w: World): StateView[] => viewedArrays(w.plugins).map(({ plugin, array, scale }) => ({ plugin, array, scale }))

/** Every lineage so far, in id order (empty without meme evolution). */
const lineageTable = (w: World): LineageTable => {
  const v = w.memeVariants
  const L = v?.lineageCount ?? 0
  const t = { id: new Int32Array(L), parent: new Int32Array(L), root: new Int32Array(L), birthTick: new Int32Array(L) }
  for (let id = 0; id < L; id++) {
    const l = v!.lineage(id)
    t.id[id] = l.id
    t.parent[id] = l.parent
    t.root[id] = l.root
    t.birthTick[id] = l.birthTick
  }
  return t
}

/**
 * Header, frames, optional couplings, with meme evolution the lineage table as it stands and, with viewable plugin
 * arrays, their declarations.
 */
const fileBytes = (w: World, frames: ReadonlyArray<Uint8Array>, couplings: boolean): Uint8Array => {
  const s = shapeOf(w)
  const flags = flagsOf(w) | (couplings ? COUPLINGS : 0)
  const stride = strideOf(w)
  const table = lineageTable(w)
  const L = table.id.length
  const views = stateViews(w)
  const json = flags & PLUGIN_STATE ? encodeStateViews(views) : new Uint8Array(0)
  const couplingBytes = couplings ? 4 * s.n * s.P : 0
  const end = HEADER_BYTES + frames.length * stride
  const tableBytes = flags & LINEAGES ? lineageTableBytes(L) : 0
  const out = new Uint8Array(end + couplingBytes + tableBytes + json.byteLength)
  writeHeader(out, s, frames.length, flags, { lineages: L, views: views.length, viewBytes: json.byteLength })
  frames.forEach((f, k) => out.set(f, HEADER_BYTES + k * stride))
  if (couplings) new Float32Array(out.buffer, end, s.n * s.P).set(w.state.couplings)
  if (flags & LINEAGES) writeLineageTable(out.subarray(end + couplingBytes), table)
  out.set(json, end + couplingBytes + tableBytes)
  return out
}

/**
 * Records frames while a run steps: call `record` on each recorded tick (after Engine.measure, passing
 * engine.perAgent for attachment), then `write(dir)`. Frames are kept in memory: n·(9 + ⌈B/8⌉) bytes each, 4n more
 * with meme evolution and 4n more per viewable plugin array.
 */
export class FrameRecorder {
  private readonly frames: Uint8Array[] = []
  private world: World | undefined
  private own: { kernel: Kernel; perAgent: Float64Array } | undefined

  /**
   * Records the world's state at `tick`. Without `perAgent` (Kernel.measure's output for this tick) the
   * recorder measures the world itself, which costs about one more measure pass per recorded tick.
   */
  record(world: World, tick: number, perAgent?: Float64Array): void {
    if (perAgent === undefined) {
      if (this.own === undefined || this.world !== world) {
        this.own = { kernel: new Kernel(world), perAgent: new Float64Array(world.constants.n * SLOTS) }
      }
      this.own.kernel.measure(0, world.constants.n, this.own.perAgent)
      perAgent = this.own.perAgent
    }
    const frame = new Uint8Array(strideOf(world))
    encodeFrame(world, tick, perAgent, frame)
    this.frames.push(frame)
    this.world = world
  }

  get count(): number {
    return this.frames.length
  }

  /**
   * A one-frame file of the last recorded frame, with the lineage table as it stands and the plugin arrays'
   * declarations (what live mode serves).
   */
  snapshot(): Uint8Array | undefined {
    const w = this.world
    const last = this.frames[this.frames.length - 1]
    if (w === undefined || last === undefined) return undefined
    return fileBytes(w, [last], false)
  }

  /** Agent i's energy at each recorded tick. */
  trace(i: number): { ticks: Int32Array; energy: Float32Array } {
    const ticks = new Int32Array(this.frames.length)
    const energy = new Float32Array(this.frames.length)
    this.frames.forEach((f, k) => {
      const view = new DataView(f.buffer, f.byteOffset, f.byteLength)
      ticks[k] = view.getInt32(0, true)
      energy[k] = view.getFloat32(4 + 4 * i, true)
    })
    return { ticks, energy }
  }

  /** The whole file: header, frames, the couplings of the world as it is now, then the lineage table and plugin declarations when it has them. */
  bytes(): Uint8Array {
    const w = this.world
    if (w === undefined) throw new Error("kiln/frames: nothing recorded; call record(world, tick) on each recorded tick first")
    return fileBytes(w, this.frames, true)
  }

  /** Writes `frames.bin` into `dir`; returns its path. */
  write(dir: string): string {
    const file = join(dir, FRAMES_FILE)
    writeFileSync(file, this.bytes())
    return file
  }
}
