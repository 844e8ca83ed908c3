// The format of `frames.bin`, per-tick node state for the viewer: a small header then one fixed-size record per recorded tick.
//
// Layout (little-endian; every typed array starts on a 4-byte boundary, so a fetched file is read without copies):
//   header, 64 bytes: magic "KILNFRM1", then u32 n, B, M, P, frame count, frame stride (bytes), flags,
//     lineage count L (with flag LINEAGES, else 0), then with flag PLUGIN_STATE: u32 V (plugin arrays per frame) and
//     u32 J (bytes of their declarations), else 0; 16 reserved
//   frame f at 64 + f·stride: i32 tick | f32 energy[n] | f32 attachment[n] | i8 meme[n] | u8 beliefs[n·W] | pad
//       | with flag LINEAGES: i32 lineage[n] | with flag PLUGIN_STATE: f32 state[V][n]
//     meme: index of the dominant hosted meme (highest salience among hosted), -1 for none; with meme evolution,
//       the founder of the dominant carried variant
//     beliefs: W = ⌈B/8⌉ bytes per agent, bit a set when s_i[a] = +1
//     lineage: lineage id of the dominant carried variant (highest salience), -1 for none
//     state: the plugin arrays declared viewable (a plugin's `view`), in the order of their declarations, as f32
//   then, with flag COUPLINGS: f32 couplings[n·P] of the last recorded tick (packed upper triangles, as in the state)
//   then, with flag LINEAGES: the lineage table as of the last frame, in columns of L: i32 id | i32 parent (-1 for
//     founders) | i32 root (founder = scenario meme index) | i32 birth tick
//   then, with flag PLUGIN_STATE: J bytes of UTF-8 JSON, the V declarations in order (StateView[]), e.g.
//     [{"plugin":"sir","array":"state","scale":{"categories":["S","I","R"]}}]; last, so its length needs no padding
// Files without a flag's section are read as before: the flags say which sections follow.
// This module is the wire format only: no Node, no model code, so the viewer (viz/) imports it as it is;
// src/io/frames.ts records frames from a running world.
export const FRAMES_FILE = "frames.bin"
export const FRAMES_MAGIC = "KILNFRM1"
export const HEADER_BYTES = 64
/** Header flag: the final couplings follow the frames. */
export const COUPLINGS = 1
/** Header flag: each frame ends with the agents' dominant lineage ids, and the lineage table closes the file. */
export const LINEAGES = 2
/** Header flag: each frame ends with the plugin arrays declared viewable, and their declarations close the file. */
export const PLUGIN_STATE = 4

export interface FrameShape {
  /** agents, beliefs, memes, coupling pairs B(B-1)/2 */
  readonly n: number
  readonly B: number
  readonly M: number
  readonly P: number
}

/** Bytes of one agent's packed beliefs. */
export const beliefBytes = (B: number): number => Math.ceil(B / 8)

/** Bytes of a frame record before its lineage ids (a multiple of 4). */
const baseStride = (s: FrameShape): number => Math.ceil((4 + 8 * s.n + s.n + s.n * beliefBytes(s.B)) / 4) * 4

/** Bytes of one frame record (a multiple of 4); `flags` say whether it carries lineage ids, `views` how many plugin arrays. */
export const frameStride = (s: FrameShape, flags = 0, views = 0): number =>
  pluginStateOffset(s, flags) + (flags & PLUGIN_STATE ? 4 * s.n * views : 0)

/** Where a frame record's lineage ids start. */
export const lineageOffset = (s: FrameShape): number => baseStride(s)

/** Where a frame record's plugin arrays start: after the lineage ids, when it has them. */
export const pluginStateOffset = (s: FrameShape, flags: number): number => baseStride(s) + (flags & LINEAGES ? 4 * s.n : 0)

/** How the viewer colours agents by a plugin array: a ramp over [min, max], or a colour per value 0, 1, … */
export type StateScale = { readonly min: number; readonly max: number } | { readonly categories: ReadonlyArray<string> }

/** A plugin array declared viewable: `<plugin>.<array>` in the viewer. */
export interface StateView {
  readonly plugin: string
  readonly array: string
  readonly scale: StateScale
}

/** The declarations block that closes a file with PLUGIN_STATE. */
export const encodeStateViews = (views: ReadonlyArray<StateView>): Uint8Array => new TextEncoder().encode(JSON.stringify(views))

/** The lineage table (one entry per lineage ever born or declared, in id order), in columns. */
export interface LineageTable {
  readonly id: Int32Array
  readonly parent: Int32Array
  readonly root: Int32Array
  readonly birthTick: Int32Array
}

/** Bytes of a lineage table of L lineages. */
export const lineageTableBytes = (L: number): number => 16 * L

/** What follows the frames besides the couplings: a lineage table of L entries, V plugin arrays declared in J bytes. */
export interface Sections {
  readonly lineages?: number
  readonly views?: number
  readonly viewBytes?: number
}

/** Writes the 64-byte header for `count` frames of shape `s`, with the sections its flags name. */
export const writeHeader = (out: Uint8Array, s: FrameShape, count: number, flags: number, sections: Sections = {}): void => {
  for (let k = 0; k < 8; k++) out[k] = FRAMES_MAGIC.charCodeAt(k)
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES)
  const when = (flag: number, value = 0) => (flags & flag ? value : 0)
  const V = when(PLUGIN_STATE, sections.views)
  ;[s.n, s.B, s.M, s.P, count, frameStride(s, flags, V), flags, when(LINEAGES, sections.lineages), V, when(PLUGIN_STATE, sections.viewBytes)]
    .forEach((v, k) => view.setUint32(8 + 4 * k, v, true))
}

/** Writes a lineage table's columns into `out` (lineageTableBytes(L) bytes, 4-byte aligned). */
export const writeLineageTable = (out: Uint8Array, t: LineageTable): void => {
  const L = t.id.length
  const cols = new Int32Array(out.buffer, out.byteOffset, 4 * L)
  ;[t.id, t.parent, t.root, t.birthTick].forEach((c, k) => cols.set(c, k * L))
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
  /** agents' dominant lineage ids in frame f (-1 none), when the run evolved memes */
  readonly lineage: ((f: number) => Int32Array) | undefined
  /** the lineage table as of the last frame, when the run evolved memes */
  readonly lineages: LineageTable | undefined
  /** the plugin arrays declared viewable, each with its values in frame f (none in files without them) */
  readonly pluginState: ReadonlyArray<PluginStateArray>
}

export interface PluginStateArray extends StateView {
  readonly values: (f: number) => Float32Array
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
  const [n, B, M, P, count, stride, flags, L, V, J] = Array.from({ length: 10 }, (_, k) => view.getUint32(8 + 4 * k, true))
  const shape = { n, B, M, P }
  if (stride !== frameStride(shape, flags, V)) throw fail(`frame stride ${stride} does not match n=${n}, B=${B} (expected ${frameStride(shape, flags, V)})`)
  const couplingBytes = flags & COUPLINGS ? 4 * n * P : 0
  const tableBytes = flags & LINEAGES ? lineageTableBytes(L) : 0
  const viewBytes = flags & PLUGIN_STATE ? J : 0
  const expected = HEADER_BYTES + count * stride + couplingBytes + tableBytes + viewBytes
  if (bytes.byteLength !== expected) {
    throw fail(`${bytes.byteLength} bytes, expected ${expected} for ${count} frames of ${n} agents${tableBytes ? ` and ${L} lineages` : ""}`)
  }
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
    couplings: couplingBytes > 0 ? new Float32Array(bytes.buffer, end, n * P) : undefined,
    lineage: flags & LINEAGES ? (f) => new Int32Array(bytes.buffer, at(f) + lineageOffset(shape), n) : undefined,
    lineages: flags & LINEAGES ? lineageColumns(bytes, end + couplingBytes, L) : undefined,
    pluginState: flags & PLUGIN_STATE
      ? stateViews(bytes.subarray(expected - viewBytes), V, fail).map((v, k) => ({
          ...v,
          values: (f: number) => new Float32Array(bytes.buffer, at(f) + pluginStateOffset(shape, flags) + 4 * n * k, n)
        }))
      : []
  }
}

/** The declarations block at the end of a file with PLUGIN_STATE: V entries. */
const stateViews = (json: Uint8Array, V: number, fail: (why: string) => Error): StateView[] => {
  let views: unknown
  try {
    views = JSON.parse(new TextDecoder().decode(json))
  } catch (e) {
    throw fail(`its plugin state declarations are not JSON: ${String(e)}`)
  }
  if (!Array.isArray(views) || views.length !== V) throw fail(`the header says ${V} plugin arrays but its declarations list ${Array.isArray(views) ? views.length : "none"}`)
  return views as StateView[]
}

const lineageColumns = (bytes: Uint8Array, offset: number, L: number): LineageTable => {
  const column = (k: number) => new Int32Array(bytes.buffer, offset + 4 * k * L, L)
  return { id: column(0), parent: column(1), root: column(2), birthTick: column(3) }
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
