// Saltelli sampling (matrices A, B and A_B^(i) from one Sobol sequence) and the Jansen estimators of first-order and
// total Sobol indices with percentile bootstrap intervals (Saltelli et al. 2010, Table 2, estimators (f) and (f)).
import { makeStream } from "../../model/rng.js"
import { MAX_SOBOL_DIMENSION } from "./joe-kuo.js"
import { sobolPoints, type Scramble } from "./sobol-sequence.js"

/** The largest number of factors a Saltelli design supports: A and B take 2k dimensions of the sequence. */
export const MAX_SOBOL_FACTORS = Math.floor(MAX_SOBOL_DIMENSION / 2)

/** Which matrix a point of a Saltelli design comes from. */
export type SaltelliBlock = "A" | "B" | "AB"

export interface SaltelliPoint {
  readonly block: SaltelliBlock
  /** j: the row of A and B (0..N−1) */
  readonly row: number
  /** i: the factor whose column A_B^(i) takes from B (AB only) */
  readonly factor?: number
  /** the point in [0, 1)^k */
  readonly u: Float64Array
}

/**
 * The N·(k + 2) points of a Saltelli design in [0, 1)^k, row by row: A_j, B_j, A_B^(1)_j … A_B^(k)_j. A is
 * coordinates 1..k of the Sobol sequence's points 0..N−1, B coordinates k+1..2k; A_B^(i) is A with column i from B.
 * With `scramble` the sequence is scrambled: unscrambled, rows 0 and 1 have A = B (the origin and the centre) and
 * early rows mirror each other, which biases small designs.
 */
export const saltelliDesign = (n: number, k: number, scramble?: Scramble): SaltelliPoint[] => {
  if (!Number.isInteger(k) || k < 1 || k > MAX_SOBOL_FACTORS) throw new RangeError(`saltelliDesign: k must be 1..${MAX_SOBOL_FACTORS}, got ${k}`)
  const seq = sobolPoints(n, 2 * k, 0, scramble)
  const out: SaltelliPoint[] = []
  for (let j = 0; j < n; j++) {
    const a = seq.slice(j * 2 * k, j * 2 * k + k)
    const b = seq.slice(j * 2 * k + k, (j + 1) * 2 * k)
    out.push({ block: "A", row: j, u: a }, { block: "B", row: j, u: b })
    for (let i = 0; i < k; i++) {
      const ab = a.slice()
      ab[i] = b[i]
      out.push({ block: "AB", row: j, factor: i, u: ab })
    }
  }
  return out
}

/** Model outputs on a Saltelli design: f(A)_j, f(B)_j and f(A_B^(i))_j at `ab[i * n + j]`. */
export interface SaltelliOutputs {
  readonly a: Float64Array
  readonly b: Float64Array
  /** k blocks of n: factor i's outputs at ab[i·n .. i·n + n − 1] */
  readonly ab: Float64Array
}

export interface BootstrapOptions {
  /** resamples of the rows (default 1000; 0 leaves the intervals out) */
  readonly resamples?: number
  /** confidence level of the percentile intervals (default 0.95) */
  readonly conf?: number
  /** seed of the resampling stream (default 1) */
  readonly seed?: number
}

export interface Interval {
  readonly lo: number
  readonly hi: number
}

export interface SobolIndex {
  readonly s1: number
  readonly st: number
  readonly s1Conf: Interval
  readonly stConf: Interval
}

export interface SobolResult {
  /** rows of A and B used */
  readonly n: number
  /** Var(Y) over the 2N outputs of A and B */
  readonly variance: number
  readonly indices: ReadonlyArray<SobolIndex>
  readonly resamples: number
  readonly conf: number
}

/**
 * Jansen's estimators on the rows `idx` (with repeats, for the bootstrap), written into s1 and st:
 * V = Var over f(A) ∪ f(B); S1_i = (V − Σ (f(B)_j − f(A_B^i)_j)² / 2N) / V; ST_i = Σ (f(A)_j − f(A_B^i)_j)² / 2N / V.
 */
const jansen = (y: SaltelliOutputs, n: number, k: number, idx: Uint32Array | undefined, s1: Float64Array, st: Float64Array): number => {
  const m = idx ? idx.length : n
  // two passes over the outputs shifted by the first, so equal outputs give a variance of exactly 0
  const shift = y.a[idx ? idx[0] : 0]
  let sum = 0
  for (let r = 0; r < m; r++) {
    const j = idx ? idx[r] : r
    sum += y.a[j] - shift + (y.b[j] - shift)
  }
  const mean = sum / (2 * m)
  let ss = 0
  for (let r = 0; r < m; r++) {
    const j = idx ? idx[r] : r
    const da = y.a[j] - shift - mean, db = y.b[j] - shift - mean
    ss += da * da + db * db
  }
  const v = ss / (2 * m)
  for (let i = 0; i < k; i++) {
    let first = 0, total = 0
    const o = i * n
    for (let r = 0; r < m; r++) {
      const j = idx ? idx[r] : r
      const dB = y.b[j] - y.ab[o + j]
      const dA = y.a[j] - y.ab[o + j]
      first += dB * dB
      total += dA * dA
    }
    s1[i] = (v - first / (2 * m)) / v
    st[i] = total / (2 * m) / v
  }
  return v
}

/** The q-quantile of a sorted array, linearly interpolated (numpy's default). */
export const quantileSorted = (xs: Float64Array, q: number): number => {
  if (xs.length === 0) return NaN
  const h = (xs.length - 1) * q
  const lo = Math.floor(h)
  const hi = Math.min(xs.length - 1, lo + 1)
  return xs[lo] + (h - lo) * (xs[hi] - xs[lo])
}

const checkBootstrap = (o: BootstrapOptions): { resamples: number; conf: number; seed: number } => {
  const resamples = o.resamples ?? 1000
  const conf = o.conf ?? 0.95
  if (!Number.isInteger(resamples) || resamples < 0) throw new RangeError(`resamples must be an integer >= 0, got ${resamples}`)
  if (!(conf > 0 && conf < 1)) throw new RangeError(`conf must be in (0, 1), got ${conf}`)
  return { resamples, conf, seed: o.seed ?? 1 }
}

/**
 * First-order and total Sobol indices from the outputs of a Saltelli design (Jansen's estimators), with percentile
 * bootstrap intervals over the rows j (each resample draws N rows with replacement; A, B and every A_B^(i) of a row
 * stay together). A constant output (zero variance) gives NaN indices.
 */
export const sobolIndices = (y: SaltelliOutputs, options: BootstrapOptions = {}): SobolResult => {
  const n = y.a.length
  if (y.b.length !== n || n === 0 || y.ab.length % n !== 0) {
    throw new RangeError(`sobolIndices: expected a and b of one length N > 0 and ab of k·N, got ${y.a.length}, ${y.b.length}, ${y.ab.length}`)
  }
  const k = y.ab.length / n
  const { resamples, conf, seed } = checkBootstrap(options)
  const s1 = new Float64Array(k), st = new Float64Array(k)
  const variance = jansen(y, n, k, undefined, s1, st)
  const boot1 = Array.from({ length: k }, () => new Float64Array(resamples))
  const bootT = Array.from({ length: k }, () => new Float64Array(resamples))
  const idx = new Uint32Array(n)
  const r1 = new Float64Array(k), rT = new Float64Array(k)
  const draw = makeStream(seed, 0x5a17e111)
  for (let b = 0; b < resamples; b++) {
    for (let r = 0; r < n; r++) idx[r] = Math.floor(draw() * n)
    jansen(y, n, k, idx, r1, rT)
    for (let i = 0; i < k; i++) {
      boot1[i][b] = r1[i]
      bootT[i][b] = rT[i]
    }
  }
  const interval = (xs: Float64Array): Interval => {
    if (resamples === 0) return { lo: NaN, hi: NaN }
    xs.sort()
    return { lo: quantileSorted(xs, (1 - conf) / 2), hi: quantileSorted(xs, (1 + conf) / 2) }
  }
  const indices = Array.from({ length: k }, (_, i) => ({ s1: s1[i], st: st[i], s1Conf: interval(boot1[i]), stConf: interval(bootT[i]) }))
  return { n, variance, indices, resamples, conf }
}
