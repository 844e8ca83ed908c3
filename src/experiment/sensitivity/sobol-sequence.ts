// The Sobol sequence (Joe–Kuo direction numbers, 32 bits, Gray-code order as Joe and Kuo's and scipy's), optionally scrambled.
import { makeStream } from "../../model/rng.js"
import { JOE_KUO_6_21201, MAX_SOBOL_DIMENSION } from "./joe-kuo.js"

const BITS = 32
const SCALE = 2 ** BITS

/** Direction numbers V[d][b] (b = 0..31, each an unsigned 32-bit integer), built once per dimension count. */
const directions = (dims: number): Uint32Array[] => {
  const rows = JOE_KUO_6_21201.trim().split("\n").slice(1).map((line) => line.trim().split(/\s+/).map(Number))
  const out: Uint32Array[] = []
  for (let d = 0; d < dims; d++) {
    const v = new Uint32Array(BITS)
    if (d === 0) {
      for (let b = 0; b < BITS; b++) v[b] = 2 ** (BITS - 1 - b)
    } else {
      const [, s, a, ...m] = rows[d - 1]
      for (let b = 0; b < Math.min(s, BITS); b++) v[b] = (m[b] * 2 ** (BITS - 1 - b)) >>> 0
      // v_b = v_{b-s} ⊕ (v_{b-s} >> s) ⊕ a_1 v_{b-1} ⊕ … ⊕ a_{s-1} v_{b-s+1} (Bratley and Fox; Joe and Kuo's code)
      for (let b = s; b < BITS; b++) {
        let x = (v[b - s] ^ (v[b - s] >>> s)) >>> 0
        for (let k = 1; k < s; k++) if ((a >>> (s - 1 - k)) & 1) x = (x ^ v[b - k]) >>> 0
        v[b] = x
      }
    }
    out.push(v)
  }
  return out
}

/** A random linear matrix scramble and digital shift (Matoušek 1998; scipy's `scramble=True` is of this kind). */
export interface Scramble {
  readonly seed: number
  /** further key of the random stream (default 0) */
  readonly salt?: number
}

/** Parity of the set bits of a 32-bit integer. */
const parity = (x: number): number => {
  x ^= x >>> 16
  x ^= x >>> 8
  x ^= x >>> 4
  return (0x6996 >>> (x & 0xf)) & 1
}

/**
 * Scrambles direction numbers in place and returns the digital shifts: per dimension a random lower-triangular binary
 * matrix L with unit diagonal (bit r of the result, counted from the most significant, depends on bits 0..r) applied to
 * every direction number, and a random shift XORed onto every point. Both keep each 2^m block of points stratified.
 */
const scramble = (v: Uint32Array[], s: Scramble): Uint32Array => {
  const draw = makeStream(s.seed, (0x50b01 ^ (s.salt ?? 0)) | 0)
  const bits32 = () => Math.floor(draw() * SCALE) >>> 0
  const shifts = new Uint32Array(v.length)
  const rows = new Uint32Array(BITS)
  v.forEach((dir, d) => {
    for (let r = 0; r < BITS; r++) {
      const above = r === 0 ? 0 : (0xffffffff << (BITS - r)) >>> 0
      rows[r] = ((bits32() & above) | (1 << (BITS - 1 - r))) >>> 0
    }
    for (let b = 0; b < BITS; b++) {
      let y = 0
      for (let r = 0; r < BITS; r++) if (parity(rows[r] & dir[b])) y |= 1 << (BITS - 1 - r)
      dir[b] = y >>> 0
    }
    shifts[d] = bits32()
  })
  return shifts
}

/**
 * Points `from` .. `from + count − 1` of the `dims`-dimensional Sobol sequence, row-major (point p's coordinate d at
 * `p * dims + d`), in [0, 1). Unscrambled, point 0 is the origin; any aligned block of 2^m points has one point in
 * each interval [k/2^m, (k+1)/2^m) of every coordinate, scrambled or not.
 */
export const sobolPoints = (count: number, dims: number, from = 0, scrambled?: Scramble): Float64Array => {
  if (!Number.isInteger(dims) || dims < 1 || dims > MAX_SOBOL_DIMENSION) {
    throw new RangeError(`sobolPoints: dims must be an integer in 1..${MAX_SOBOL_DIMENSION}, got ${dims}`)
  }
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(from) || from < 0 || from + count > SCALE) {
    throw new RangeError(`sobolPoints: expected 0 <= from and from + count <= 2^32, got from ${from}, count ${count}`)
  }
  const v = directions(dims)
  const shifts = scrambled ? scramble(v, scrambled) : new Uint32Array(dims)
  const out = new Float64Array(count * dims)
  const x = new Uint32Array(dims)
  if (count === 0) return out
  // the first point directly from its Gray code, then one XOR per coordinate per step
  const gray = (from ^ Math.floor(from / 2)) >>> 0
  for (let d = 0; d < dims; d++) {
    let acc = shifts[d]
    for (let b = 0; b < BITS; b++) if ((gray >>> b) & 1) acc = (acc ^ v[d][b]) >>> 0
    x[d] = acc
    out[d] = acc / SCALE
  }
  for (let p = 1; p < count; p++) {
    // going from index i − 1 to i flips the Gray code's bit at the lowest zero bit of i − 1
    let c = 0
    for (let i = from + p - 1; i & 1; i = Math.floor(i / 2)) c++
    for (let d = 0; d < dims; d++) {
      x[d] = (x[d] ^ v[d][c]) >>> 0
      out[p * dims + d] = x[d] / SCALE
    }
  }
  return out
}
