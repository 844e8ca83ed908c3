// The format of `frames.bin`, per-tick node state for the viewer: a small header then one fixed-size record per recorded tick.
//
// Layout (little-endian; every typed array starts on a 4-byte boundary, so a fetched file is read without copies):
//   header, 64 bytes: magic "KILNFRM1", then u32 n, B, M, P, frame count, frame stride (bytes), flags, 28 reserved
//   frame f at 64 + f·stride: i32 tick | f32 energy[n] | f32 attachment[n] | i8 meme[n] | u8 beliefs[n·W] | pad
//     meme: index of the dominant hosted meme (highest salience among hosted), -1 for none
//     beliefs: W = ⌈B/8⌉ bytes per agent, bit a set when s_i[a] = +1
//   then, with flag COUPLINGS: f32 couplings[n·P] of the last recorded tick (packed upper triangles, as in the state)
// This module is the wire format only: no Node, no model code, so the viewer (viz/) imports it as it is;
// src/io/frames.ts records frames from a running world.
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

/** Writes the 64-byte header for `count` frames of shape `s`. */
export const writeHeader = (out: Uint8Array, s: FrameShape, count: number, flags: number): void => {
  for (let k = 0; k < 8; k++) out[k] = FRAMES_MAGIC.charCodeAt(k)
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES)
  ;[s.n, s.B, s.M, s.P, count, frameStride(s), flags].forEach((v, k) => view.setUint32(8 + 4 * k, v, true))
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
