// Random streams: a per-agent xoshiro128** state (struct-of-arrays) and a counter-based hash for stateless draws.

/**
 * The largest seed Kiln honours. Streams are derived from the seed with 32-bit mixing, so larger seeds would
 * alias smaller ones (2^32 + k would give the runs of k); they are rejected instead.
 */
export const MAX_SEED = 0xffffffff

/** splitmix32: a good 32-bit mixer; used to seed streams and to hash counters. */
export const mix32 = (x: number): number => {
  x = (x + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** Stateless uniform in [0,1) from (seed, a, b, c): the same inputs always give the same number. */
export const hashUniform = (seed: number, a: number, b: number, c: number): number =>
  mix32(mix32(mix32(mix32(seed) ^ a) ^ b) ^ c) / 4294967296

/** Seeds 4 words of xoshiro128** state per stream, stream k derived from (seed, k) alone. */
export const seedStreams = (state: Uint32Array, count: number, seed: number, salt = 0): void =>
  seedStreamRange(state, 0, count, seed, salt)

/** Seeds streams lo..hi as `seedStreams` does (the same words whatever the range). */
export const seedStreamRange = (state: Uint32Array, lo: number, hi: number, seed: number, salt = 0): void => {
  for (let k = lo; k < hi; k++) {
    let x = mix32(mix32(seed ^ salt) ^ mix32(k + 0x632be5ab))
    for (let w = 0; w < 4; w++) {
      x = mix32(x + w)
      state[4 * k + w] = x === 0 ? 0x1234567 : x
    }
  }
}

/** Next uniform in [0,1) from stream k of a xoshiro128** state array (advances the stream). */
export const nextUniform = (s: Uint32Array, k: number): number => {
  const o = 4 * k
  const s0 = s[o], s1 = s[o + 1], s2 = s[o + 2], s3 = s[o + 3]
  const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
  const t = (s1 << 9) >>> 0
  let n2 = (s2 ^ s0) >>> 0
  let n3 = (s3 ^ s1) >>> 0
  const n1 = (s1 ^ n2) >>> 0
  const n0 = (s0 ^ n3) >>> 0
  n2 = (n2 ^ t) >>> 0
  n3 = rotl(n3, 11)
  s[o] = n0; s[o + 1] = n1; s[o + 2] = n2; s[o + 3] = n3
  return r / 4294967296
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0

/** Standard normal from stream k (Box–Muller, one value per call; two uniforms). */
export const nextGaussian = (s: Uint32Array, k: number): number => {
  const u = 1 - nextUniform(s, k)
  const v = nextUniform(s, k)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** A single seeded stream as a closure: for set-up code (graph generation, target selection), never the hot loop. */
export const makeStream = (seed: number, salt: number): (() => number) => {
  const s = new Uint32Array(4)
  seedStreams(s, 1, seed, salt)
  return () => nextUniform(s, 0)
}
