// Morris's elementary effects: r random one-at-a-time trajectories on a p-level grid of [0, 1]^k (Morris 1991), and
// μ, μ* (Campolongo et al. 2007) and σ of each factor's effects.
import { makeStream } from "../../model/rng.js"
import { quantileSorted, type BootstrapOptions, type Interval } from "./saltelli.js"

export interface MorrisPoint {
  /** the trajectory (0..r−1) */
  readonly trajectory: number
  /** the step (0..k): step 0 is the trajectory's base point, step s moves one factor */
  readonly step: number
  /** the factor step s moves (absent at step 0) */
  readonly factor?: number
  /** the point on the grid {0, 1/(p−1), …, 1}^k */
  readonly u: Float64Array
}

/**
 * r trajectories of k + 1 points each on a p-level grid (p even): each factor starts at a level drawn uniformly,
 * the factors move in a random order, each once, by Δ = p / (2(p − 1)) — up from the lower half of the levels,
 * down from the upper half, so every level is used equally. Trajectory t depends on (seed, t) only, so raising r
 * keeps the earlier trajectories.
 */
export const morrisDesign = (r: number, k: number, levels: number, seed: number, salt = 0): MorrisPoint[] => {
  if (!Number.isInteger(levels) || levels < 2 || levels % 2 !== 0) throw new RangeError(`morrisDesign: levels must be an even integer >= 2, got ${levels}`)
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`morrisDesign: k must be an integer >= 1, got ${k}`)
  const jump = levels / 2
  const out: MorrisPoint[] = []
  for (let t = 0; t < r; t++) {
    const draw = makeStream(seed, (salt ^ Math.imul(t + 1, 0x9e3779b1)) | 0)
    const level = Array.from({ length: k }, () => Math.floor(draw() * levels))
    const order = Array.from({ length: k }, (_, i) => i)
    for (let i = k - 1; i > 0; i--) {
      const j = Math.floor(draw() * (i + 1))
      ;[order[i], order[j]] = [order[j], order[i]]
    }
    const u = () => Float64Array.from(level, (l) => l / (levels - 1))
    out.push({ trajectory: t, step: 0, u: u() })
    order.forEach((i, s) => {
      level[i] += level[i] < jump ? jump : -jump
      out.push({ trajectory: t, step: s + 1, factor: i, u: u() })
    })
  }
  return out
}

/** One elementary effect: factor i moved by `du` (in [0, 1] units) between two outputs, in trajectory t. */
export interface ElementaryEffect {
  readonly trajectory: number
  readonly factor: number
  /** (f(after) − f(before)) / du */
  readonly effect: number
}

export interface MorrisEffect {
  /** mean of the elementary effects */
  readonly mu: number
  /** mean of their absolute values */
  readonly muStar: number
  /** their standard deviation (n − 1 in the denominator; NaN with one effect) */
  readonly sigma: number
  /** percentile bootstrap interval of μ* over trajectories */
  readonly muStarConf: Interval
  /** effects counted */
  readonly r: number
}

export interface MorrisResult {
  readonly effects: ReadonlyArray<MorrisEffect>
  readonly trajectories: number
  readonly resamples: number
  readonly conf: number
}

/**
 * μ, μ* and σ of each of k factors' elementary effects (effects per unit of the factor's range in [0, 1] units, so
 * for f = c·x over a range of width w, μ* = |c|·w), and a bootstrap interval of μ* resampling whole trajectories.
 */
export const morrisEffects = (effects: ReadonlyArray<ElementaryEffect>, k: number, options: BootstrapOptions = {}): MorrisResult => {
  const resamples = options.resamples ?? 1000
  const conf = options.conf ?? 0.95
  if (!Number.isInteger(resamples) || resamples < 0) throw new RangeError(`resamples must be an integer >= 0, got ${resamples}`)
  if (!(conf > 0 && conf < 1)) throw new RangeError(`conf must be in (0, 1), got ${conf}`)
  const trajectories = [...new Set(effects.map((e) => e.trajectory))].sort((a, b) => a - b)
  const slot = new Map(trajectories.map((t, k) => [t, k]))
  // per factor, per trajectory: sum of |EE| and count (a trajectory moves each factor once, but be general)
  const abs = Array.from({ length: k }, () => new Float64Array(trajectories.length))
  const cnt = Array.from({ length: k }, () => new Float64Array(trajectories.length))
  const byFactor: number[][] = Array.from({ length: k }, () => [])
  for (const e of effects) {
    byFactor[e.factor].push(e.effect)
    abs[e.factor][slot.get(e.trajectory)!] += Math.abs(e.effect)
    cnt[e.factor][slot.get(e.trajectory)!] += 1
  }
  const draw = makeStream(options.seed ?? 1, 0x304715)
  const m = trajectories.length
  const idx = new Uint32Array(m)
  const boots = Array.from({ length: k }, () => new Float64Array(resamples))
  for (let b = 0; b < resamples; b++) {
    for (let r = 0; r < m; r++) idx[r] = Math.floor(draw() * m)
    for (let i = 0; i < k; i++) {
      let s = 0, c = 0
      for (let r = 0; r < m; r++) {
        s += abs[i][idx[r]]
        c += cnt[i][idx[r]]
      }
      boots[i][b] = c > 0 ? s / c : NaN
    }
  }
  const out = byFactor.map((xs, i) => {
    const n = xs.length
    const mu = xs.reduce((s, x) => s + x, 0) / n
    const muStar = xs.reduce((s, x) => s + Math.abs(x), 0) / n
    const sigma = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mu) * (x - mu), 0) / (n - 1)) : NaN
    const sorted = boots[i].sort()
    const muStarConf = resamples === 0 ? { lo: NaN, hi: NaN } : { lo: quantileSorted(sorted, (1 - conf) / 2), hi: quantileSorted(sorted, (1 + conf) / 2) }
    return { mu, muStar, sigma, muStarConf, r: n }
  })
  return { effects: out, trajectories: m, resamples, conf }
}

/**
 * The elementary effects of outputs `y` on a Morris design (y[p] the output at points[p], NaN where missing): the
 * effect of step s of trajectory t is (y_s − y_{s−1}) / (u_s,i − u_{s−1},i). A step whose neighbour is missing is
 * skipped.
 */
export const elementaryEffects = (points: ReadonlyArray<MorrisPoint>, y: ArrayLike<number>): ElementaryEffect[] => {
  const out: ElementaryEffect[] = []
  for (let p = 1; p < points.length; p++) {
    const cur = points[p], prev = points[p - 1]
    if (cur.step === 0 || prev.trajectory !== cur.trajectory || cur.factor === undefined) continue
    if (!Number.isFinite(y[p]) || !Number.isFinite(y[p - 1])) continue
    const du = cur.u[cur.factor] - prev.u[cur.factor]
    out.push({ trajectory: cur.trajectory, factor: cur.factor, effect: (y[p] - y[p - 1]) / du })
  }
  return out
}
