// Per-tick node state for the viewer: `frames.bin`, a small header then one fixed-size record per recorded tick.
//
// Layout (little-endian; every typed array starts on a 4-byte boundary, so a fetched file is read without copies):
//   header, 64 bytes: magic "KILNFRM1", then u32 n, B, M, P, frame count, frame stride (bytes), flags, 28 reserved
//   frame f at 64 + f·stride: i32 tick | f32 energy[n] | f32 attachment[n] | i8 meme[n] | u8 beliefs[n·W] | pad
//     meme: index of the dominant hosted meme (highest salience among hosted), -1 for none
//     beliefs: W = ⌈B/8⌉ bytes per agent, bit a set when s_i[a] = +1
//   then, with flag COUPLINGS: f32 couplings[n·P] of the last recorded tick (packed upper triangles, as in the state)
// This module is shared with the viewer (viz/), so only `FrameRecorder.write` touches Node.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Kernel, Slot, SLOTS } from "./kernel.js"
import type { World } from "./world.js"

export const FRAMES_FILE = "frames.bin"
export const FRAMES_MAGIC = "KILNFRM1"
export const HEADER_BYTES = 64
/** Header flag: the final couplings follow the frames. */
export const COUPLINGS = 1

export interface FrameShape {
  /** agents, beliefs, memes, coupling pairs B(B-1)/2 */
  readonly n: number
  readonly B: number
  readonly M: number
  readonly P: number
}

/** Bytes of one agent's packed beliefs. */
export const beliefBytes = (B: number): number => Math.ceil(B / 8)

/** Bytes of one frame record (a multiple of 4). */
export const frameStride = (s: FrameShape): number => {
  const raw = 4 + 8 * s.n + s.n + s.n * beliefBytes(s.B)
  return Math.ceil(raw / 4) * 4
}

/** Writes agent state at `tick` into `out` (one frame record) from the world and Kernel.measure's output. */
export const encodeFrame = (w: World, tick: number, perAgent: Float64Array, out: Uint8Array): void => {
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

const shapeOf = (w: World): FrameShape => ({ n: w.constants.n, B: w.constants.B, M: w.constants.M, P: w.constants.P })

const writeHeader = (out: Uint8Array, s: FrameShape, count: number, flags: number): void => {
  for (let k = 0; k < 8; k++) out[k] = FRAMES_MAGIC.charCodeAt(k)
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES)
  ;[s.n, s.B, s.M, s.P, count, frameStride(s), flags].forEach((v, k) => view.setUint32(8 + 4 * k, v, true))
}

/**
 * Records frames while a run steps: call `record` on each recorded tick (after Engine.measure, passing
 * engine.perAgent for attachment), then `write(dir)`. Frames are kept in memory: n·(9 + ⌈B/8⌉) bytes each.
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
    const frame = new Uint8Array(frameStride(shapeOf(world)))
    encodeFrame(world, tick, perAgent, frame)
    this.frames.push(frame)
    this.world = world
  }

  get count(): number {
    return this.frames.length
  }

  /** A one-frame file of the last recorded frame (what live mode serves). */
  snapshot(): Uint8Array | undefined {
    const w = this.world
    const last = this.frames[this.frames.length - 1]
    if (w === undefined || last === undefined) return undefined
    const out = new Uint8Array(HEADER_BYTES + last.byteLength)
    writeHeader(out, shapeOf(w), 1, 0)
    out.set(last, HEADER_BYTES)
    return out
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

  /** The whole file: header, frames, and the couplings of the world as it is now. */
  bytes(): Uint8Array {
    const w = this.world
    if (w === undefined) throw new Error("kiln/frames: nothing recorded; call record(world, tick) on each recorded tick first")
    const s = shapeOf(w)
    const stride = frameStride(s)
    const out = new Uint8Array(HEADER_BYTES + this.frames.length * stride + 4 * s.n * s.P)
    writeHeader(out, s, this.frames.length, COUPLINGS)
    this.frames.forEach((f, k) => out.set(f, HEADER_BYTES + k * stride))
    new Float32Array(out.buffer, HEADER_BYTES + this.frames.length * stride, s.n * s.P).set(w.state.couplings)
    return out
  }

  /** Writes `frames.bin` into `dir`; returns its path. */
  write(dir: string): string {
    const file = join(dir, FRAMES_FILE)
    writeFileSync(file, this.bytes())
    return file
  }
}

/** A decoded frames file: typed-array views into the file's bytes (no copies). */
export interface Frames extends FrameShape {
  readonly count: number
  /** the tick of each frame, ascending */
  readonly ticks: Int32Array
  readonly energy: (f: number) => Float32Array
  readonly attachment: (f: number) => Float32Array
  readonly meme: (f: number) => Int8Array
  /** packed beliefs of frame f (⌈B/8⌉ bytes per agent); see `spin` */
  readonly beliefs: (f: number) => Uint8Array
  /** couplings n×P after the last frame, when the file has them */
  readonly couplings: Float32Array | undefined
}

/** s_i[a] ∈ {-1,+1} from a frame's packed beliefs. */
export const spin = (bits: Uint8Array, B: number, i: number, a: number): 1 | -1 =>
  bits[i * beliefBytes(B) + (a >> 3)] & (1 << (a & 7)) ? 1 : -1

/** Reads a frames file; throws an Error naming what is wrong when the bytes are not one. */
export const decodeFrames = (input: ArrayBuffer | Uint8Array): Frames => {
  let bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
  // Node's pooled Buffers can start at any offset; typed-array views need 4-byte alignment.
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice()
  const fail = (why: string) => new Error(`kiln/frames: not a frames file: ${why}`)
  if (bytes.byteLength < HEADER_BYTES) throw fail(`${bytes.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`)
  const magic = String.fromCharCode(...bytes.subarray(0, 8))
  if (magic !== FRAMES_MAGIC) throw fail(`starts with ${JSON.stringify(magic)}, expected "${FRAMES_MAGIC}"`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const [n, B, M, P, count, stride, flags] = Array.from({ length: 7 }, (_, k) => view.getUint32(8 + 4 * k, true))
  const shape = { n, B, M, P }
  if (stride !== frameStride(shape)) throw fail(`frame stride ${stride} does not match n=${n}, B=${B} (expected ${frameStride(shape)})`)
  const couplingBytes = flags & COUPLINGS ? 4 * n * P : 0
  const expected = HEADER_BYTES + count * stride + couplingBytes
  if (bytes.byteLength !== expected) throw fail(`${bytes.byteLength} bytes, expected ${expected} for ${count} frames of ${n} agents`)
  const at = (f: number) => {
    if (!(f >= 0 && f < count)) throw new RangeError(`kiln/frames: frame ${f} out of range 0..${count - 1}`)
    return bytes.byteOffset + HEADER_BYTES + f * stride
  }
  const ticks = new Int32Array(count)
  for (let f = 0; f < count; f++) ticks[f] = view.getInt32(HEADER_BYTES + f * stride, true)
  const end = bytes.byteOffset + HEADER_BYTES + count * stride
  return {
    ...shape,
    count,
    ticks,
    energy: (f) => new Float32Array(bytes.buffer, at(f) + 4, n),
    attachment: (f) => new Float32Array(bytes.buffer, at(f) + 4 + 4 * n, n),
    meme: (f) => new Int8Array(bytes.buffer, at(f) + 4 + 8 * n, n),
    beliefs: (f) => new Uint8Array(bytes.buffer, at(f) + 4 + 9 * n, n * beliefBytes(B)),
    couplings: couplingBytes > 0 ? new Float32Array(bytes.buffer, end, n * P) : undefined
  }
}

/** The frame shown at `tick`: the last frame recorded at or before it (0 when before the first). */
export const frameAt = (ticks: Int32Array, tick: number): number => {
  let lo = 0
  let hi = ticks.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (ticks[mid] <= tick) lo = mid
    else hi = mid - 1
  }
  return lo
}
