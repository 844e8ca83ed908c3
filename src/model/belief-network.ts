// One agent's belief network: its couplings W (a packed upper triangle) over its beliefs s.
// Plain functions over typed arrays at an offset, so the kernels call them without allocating.

/** Σ_b W[a,b] s_b: the pull of agent's other beliefs on belief a. */
export const internalField = (
  W: Float32Array, wb: number, s: Int8Array, sb: number, a: number, B: number, pix: Int32Array
): number => {
  let f = 0
  const row = a * B
  for (let b = 0; b < B; b++) if (b !== a) f += W[wb + pix[row + b]] * s[sb + b]
  return f
}

/** Personal dissonance D = -Σ_{a<b} W_ab s_a s_b - Σ_a h_a s_a. */
export const dissonance = (
  W: Float32Array, wb: number, s: Int8Array, sb: number, h: Float32Array, hb: number, B: number
): number => {
  let d = 0
  let k = wb
  for (let a = 0; a < B; a++) {
    const sa = s[sb + a]
    d -= h[hb + a] * sa
    for (let b = a + 1; b < B; b++) d -= W[k++] * sa * s[sb + b]
  }
  return d
}

/** The largest |D| a network can have: Σ|W| + Σ|h|, to turn dissonance into a valence in [-1, 1]. */
export const dissonanceScale = (W: Float32Array, wb: number, P: number, h: Float32Array, hb: number, B: number): number => {
  let z = 0
  for (let k = 0; k < P; k++) z += Math.abs(W[wb + k])
  for (let a = 0; a < B; a++) z += Math.abs(h[hb + a])
  return z
}

/**
 * Share of frustrated triads among triads whose three couplings are non-zero: a triad is frustrated
 * when sign(W_ab W_bc W_ac) < 0 (structural balance). Returns -1 when there is no such triad.
 * For B ≤ 32 the triads are counted with bit masks (B² reads and B²/2 popcounts instead of B³/6 triads);
 * both ways count the same triads, so they return the same value.
 */
export const frustration = (W: Float32Array, wb: number, B: number, pix: Int32Array): number =>
  B <= 32 ? frustrationByMasks(W, wb, B, pix) : frustrationByTriads(W, wb, B, pix)

/** The row masks of `frustrationByMasks`: scratch of this thread (each worker loads its own copy of this module). */
const masks = new Int32Array(64)

export const frustrationByTriads = (W: Float32Array, wb: number, B: number, pix: Int32Array): number => {
  let triads = 0
  let frustrated = 0
  for (let a = 0; a < B; a++) {
    for (let b = a + 1; b < B; b++) {
      const wab = W[wb + pix[a * B + b]]
      if (wab === 0) continue
      for (let c = b + 1; c < B; c++) {
        const wbc = W[wb + pix[b * B + c]]
        const wac = W[wb + pix[a * B + c]]
        if (wbc === 0 || wac === 0) continue
        triads++
        if (wab * wbc * wac < 0) frustrated++
      }
    }
  }
  return triads === 0 ? -1 : frustrated / triads
}

/**
 * Row a of W as two masks: bit b of nonZero[a] is set when W_ab ≠ 0, of negative[a] when W_ab < 0. A triad
 * (a < b < c) counts when bit c is set in nonZero[a] & nonZero[b]; it is frustrated when an odd number of its
 * couplings is negative (three non-zero floats never multiply to zero, so the sign of the product is the parity).
 * `masks` holds nonZero in [0, B) and negative in [B, 2B).
 */
const frustrationByMasks = (W: Float32Array, wb: number, B: number, pix: Int32Array): number => {
  for (let a = 0; a < B; a++) {
    let nz = 0
    let neg = 0
    for (let b = 0; b < B; b++) {
      if (b === a) continue
      const w = W[wb + pix[a * B + b]]
      if (w !== 0) nz |= 1 << b
      if (w < 0) neg |= 1 << b
    }
    masks[a] = nz
    masks[B + a] = neg
  }
  let triads = 0
  let frustrated = 0
  for (let a = 0; a < B; a++) {
    const nza = masks[a]
    const nega = masks[B + a]
    for (let b = a + 1; b < B; b++) {
      if (((nza >>> b) & 1) === 0) continue
      // bits c > b of both rows
      const common = nza & masks[b] & (b === 31 ? 0 : -1 << (b + 1))
      if (common === 0) continue
      // odd parity of (ab, bc, ac) negatives: the rows' negative bits differ at c, flipped when ab is negative
      const odd = ((nega >>> b) & 1) === 1 ? ~(nega ^ masks[B + b]) : nega ^ masks[B + b]
      triads += popcount(common)
      frustrated += popcount(common & odd)
    }
  }
  return triads === 0 ? -1 : frustrated / triads
}

/** Set bits of a 32-bit integer. */
const popcount = (x: number): number => {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/**
 * Checks whether an agent's couplings are still those a memo was computed from, by a 64-bit fingerprint of their
 * bits (two independent 32-bit hashes, stored as two numbers at memo[at] and memo[at + 1]); stores the new
 * fingerprint and returns true when they changed. A fresh memo holds zeros, which no fingerprint equals.
 * Two different networks share a fingerprint with chance 2^-64.
 */
export const couplingsChanged = (bits: Uint32Array, wb: number, P: number, memo: Float64Array, at: number): boolean => {
  let h1 = 0x3c6ef372
  let h2 = 0x165667b1
  for (let k = 0; k < P; k++) {
    const v = bits[wb + k]
    // murmur3's and xxhash32's rounds: different multipliers and rotations, so the two halves are independent
    let m = Math.imul(v, 0xcc9e2d51)
    m = Math.imul((m << 15) | (m >>> 17), 0x1b873593)
    h1 ^= m
    h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0
    h2 = (h2 + Math.imul(v, 0x85ebca77)) | 0
    h2 = Math.imul((h2 << 13) | (h2 >>> 19), 0x9e3779b1)
  }
  h1 = fmix(h1 ^ P) | 1
  h2 = fmix(h2 ^ P) >>> 0
  const lo = h1 >>> 0
  if (memo[at] === lo && memo[at + 1] === h2) return false
  memo[at] = lo
  memo[at + 1] = h2
  return true
}

/** murmur3's finaliser: every input bit affects every output bit. */
const fmix = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Unpacks W into a full symmetric B×B matrix (zero diagonal) in `out`. */
export const unpack = (W: Float32Array, wb: number, B: number, pix: Int32Array, out: Float64Array): void => {
  for (let a = 0; a < B; a++) {
    for (let b = 0; b < B; b++) out[a * B + b] = a === b ? 0 : W[wb + pix[a * B + b]]
  }
}

/**
 * Complexity: the effective rank of W over B, exp(H)/B with H the Shannon entropy of |λ|/Σ|λ|
 * (Roy & Vetterli). 1/B for a rank-one network, 1 for a flat spectrum, 0 for W = 0.
 * `a` (B×B) and `work` (≥ 2B) are overwritten.
 */
export const complexity = (
  W: Float32Array, wb: number, B: number, pix: Int32Array, a: Float64Array, work: Float64Array
): number => {
  unpack(W, wb, B, pix, a)
  symmetricEigenvalues(a, B, work)
  let total = 0
  for (let i = 0; i < B; i++) total += Math.abs(work[i])
  if (total === 0) return 0
  let h = 0
  for (let i = 0; i < B; i++) {
    const p = Math.abs(work[i]) / total
    if (p > 0) h -= p * Math.log(p)
  }
  return Math.exp(h) / B
}

/**
 * Eigenvalues of the symmetric n×n matrix `a` (row-major; destroyed) into work[0..n): Householder reduction to
 * tridiagonal form, then the QL algorithm with implicit shifts (values only; work[n..2n) holds the off-diagonal).
 */
export const symmetricEigenvalues = (a: Float64Array, n: number, work: Float64Array): void => {
  const d = work
  const e = n // e[k] lives at work[n + k]
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1
    let h = 0
    if (l > 0) {
      let scale = 0
      for (let k = 0; k <= l; k++) scale += Math.abs(a[i * n + k])
      if (scale === 0) work[e + i] = a[i * n + l]
      else {
        for (let k = 0; k <= l; k++) {
          a[i * n + k] /= scale
          h += a[i * n + k] * a[i * n + k]
        }
        let f = a[i * n + l]
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h)
        work[e + i] = scale * g
        h -= f * g
        a[i * n + l] = f - g
        f = 0
        for (let j = 0; j <= l; j++) {
          g = 0
          for (let k = 0; k <= j; k++) g += a[j * n + k] * a[i * n + k]
          for (let k = j + 1; k <= l; k++) g += a[k * n + j] * a[i * n + k]
          work[e + j] = g / h
          f += work[e + j] * a[i * n + j]
        }
        const hh = f / (h + h)
        for (let j = 0; j <= l; j++) {
          f = a[i * n + j]
          g = work[e + j] - hh * f
          work[e + j] = g
          for (let k = 0; k <= j; k++) a[j * n + k] -= f * work[e + k] + g * a[i * n + k]
        }
      }
    } else work[e + i] = a[i * n + l]
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i]
  // QL with implicit shifts on the tridiagonal matrix (d, e).
  for (let i = 1; i < n; i++) work[e + i - 1] = work[e + i]
  work[e + n - 1] = 0
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1])
        if (Math.abs(work[e + m]) <= Number.EPSILON * dd) break
      }
      if (m === l) break
      if (iter === 60) return // does not happen for finite symmetric input; keep what converged
      let g = (d[l + 1] - d[l]) / (2 * work[e + l])
      let r = Math.sqrt(g * g + 1)
      g = d[m] - d[l] + work[e + l] / (g + (g >= 0 ? r : -r))
      let s = 1
      let c = 1
      let p = 0
      let i = m - 1
      for (; i >= l; i--) {
        const f = s * work[e + i]
        const b = c * work[e + i]
        r = Math.sqrt(f * f + g * g)
        work[e + i + 1] = r
        if (r === 0) {
          d[i + 1] -= p
          work[e + m] = 0
          break
        }
        s = f / r
        c = g / r
        g = d[i + 1] - p
        r = (d[i] - g) * s + 2 * c * b
        p = s * r
        d[i + 1] = g + p
        g = c * r - b
      }
      if (r === 0 && i >= l) continue
      d[l] -= p
      work[e + l] = g
      work[e + m] = 0
    }
  }
}

/**
 * Bounded Hebbian reorganisation W_ab += rate (wMax s_a s_b - W_ab). `localRate` applies instead to couplings
 * that the current beliefs violate (W_ab s_a s_b < 0): field annealing heats those alone.
 */
export const hebbian = (
  W: Float32Array, wb: number, s: Int8Array, sb: number, B: number, rate: number, localRate: number, wMax: number
): void => {
  let k = wb
  const local = localRate > rate
  for (let a = 0; a < B; a++) {
    const sa = s[sb + a]
    for (let b = a + 1; b < B; b++) {
      const ss = sa * s[sb + b]
      const w = W[k]
      const r = local && w * ss < 0 ? localRate : rate
      W[k++] = w + r * (wMax * ss - w)
    }
  }
}

/** nREM housekeeping: W ← (1 - rate) W, a content-free shrinkage. */
export const shrink = (W: Float32Array, wb: number, P: number, rate: number): void => {
  const f = 1 - rate
  for (let k = 0; k < P; k++) W[wb + k] *= f
}

/**
 * Complexity bias κc: W += rate (W - c W³), with c = ‖W‖/‖W³‖ so both terms have the same size.
 * In the eigenbasis λ += rate (λ - c λ³): with rate > 0 the dominant modes shrink relative to the weak ones
 * (the spectrum flattens, complexity rises); with rate < 0 W moves toward its normalised cube, as in
 * power iteration, and the dominant modes take over (complexity falls). `a`, `a2`, `a3` are B×B scratch.
 */
export const spectralBias = (
  W: Float32Array, wb: number, B: number, pix: Int32Array, rate: number, wMax: number,
  a: Float64Array, a2: Float64Array, a3: Float64Array
): void => {
  unpack(W, wb, B, pix, a)
  multiply(a, a, a2, B)
  multiply(a2, a, a3, B)
  let n1 = 0
  let n3 = 0
  for (let k = 0; k < B * B; k++) {
    n1 += a[k] * a[k]
    n3 += a3[k] * a3[k]
  }
  if (n3 === 0) return
  const c = Math.sqrt(n1 / n3)
  for (let x = 0; x < B; x++) {
    for (let y = x + 1; y < B; y++) {
      const k = wb + pix[x * B + y]
      const w = W[k] + rate * (a[x * B + y] - c * a3[x * B + y])
      W[k] = w > wMax ? wMax : w < -wMax ? -wMax : w
    }
  }
}

const multiply = (x: Float64Array, y: Float64Array, out: Float64Array, n: number): void => {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let v = 0
      for (let k = 0; k < n; k++) v += x[i * n + k] * y[k * n + j]
      out[i * n + j] = v
    }
  }
}
