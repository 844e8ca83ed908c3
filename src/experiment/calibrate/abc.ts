// ABC-SMC with adaptive tolerance (Beaumont et al. 2009; Del Moral, Doucet & Jasra 2012) over a simulator callback:
// no files, no Kiln, so it can be checked on a model whose posterior is known in closed form.
import { makeStream, mix32 } from "../../model/rng.js"

/** A parameter with its prior: uniform, or log-uniform (uniform in ln θ), on [from, to]. */
export interface AbcParameter {
  readonly name: string
  readonly prior: "uniform" | "log-uniform"
  readonly from: number
  readonly to: number
}

/** Which batch of which generation a simulator call runs (batches of one generation are numbered from 0). */
export interface AbcBatch {
  readonly generation: number
  readonly batch: number
}

/** Summary statistics of each θ, in the order of `observed`; NaN for one that could not be computed. */
export type AbcSimulator = (
  thetas: ReadonlyArray<ReadonlyArray<number>>,
  at: AbcBatch
) => Promise<ReadonlyArray<ReadonlyArray<number>>>

/** One population: N particles (natural scale) with normalised weights, their distances and summaries. */
export interface AbcGeneration {
  readonly generation: number
  /** the tolerance this population was accepted under (Infinity for generation 0, drawn from the prior) */
  readonly epsilon: number
  readonly particles: ReadonlyArray<ReadonlyArray<number>>
  readonly weights: ReadonlyArray<number>
  readonly distances: ReadonlyArray<number>
  readonly summaries: ReadonlyArray<ReadonlyArray<number>>
  /** proposals simulated for this generation (accepted ones and the rest) */
  readonly proposed: number
  /** proposals within the tolerance, those past the N-th included: hits / proposed is the acceptance rate */
  readonly hits: number
  /** effective sample size 1 / Σ w² */
  readonly ess: number
}

export interface AbcSmcOptions {
  readonly parameters: ReadonlyArray<AbcParameter>
  /** the observed summary statistics */
  readonly observed: ReadonlyArray<number>
  /** divisors of each difference; undefined entries: the MAD (× 1.4826) of generation 0's summaries */
  readonly scales?: ReadonlyArray<number | undefined>
  /** weights of each squared scaled difference (default 1) */
  readonly weights?: ReadonlyArray<number>
  /** particles per population (N) */
  readonly particles: number
  /** populations to make, generation 0 (the prior) included (default 5 unless untilEpsilon is given) */
  readonly generations?: number
  /** stop after the first population whose tolerance is at most this */
  readonly untilEpsilon?: number
  /** the next tolerance is this weighted quantile of the current population's distances (default 0.5) */
  readonly alpha?: number
  readonly seed: number
  /** proposals at most per generation (default 100 N): beyond, the calibration stops at the last population */
  readonly maxProposals?: number
  /** populations at most with untilEpsilon (default 30) */
  readonly maxGenerations?: number
  readonly simulate: AbcSimulator
  /** completed populations to continue from (a resumed calibration), with the scales they were made with */
  readonly resume?: { readonly generations: ReadonlyArray<AbcGeneration>; readonly scales: ReadonlyArray<number> }
  /** called once the scales are known (after generation 0), before any distance is taken */
  readonly onScales?: (scales: ReadonlyArray<number>) => void | Promise<void>
  /** called after each completed population */
  readonly onGeneration?: (g: AbcGeneration) => void | Promise<void>
}

export interface AbcResult {
  readonly generations: ReadonlyArray<AbcGeneration>
  /** the last population: the posterior sample */
  readonly posterior: AbcGeneration
  readonly scales: ReadonlyArray<number>
  readonly stopReason: "generations" | "epsilon" | "max-proposals" | "max-generations"
  /** proposals simulated in all (resumed populations included) */
  readonly simulations: number
}

/** Problems with the options, as [option, message] pairs (empty when they are fine). */
export const abcOptionProblems = (o: Omit<AbcSmcOptions, "simulate">): Array<[string, string]> => {
  const p: Array<[string, string]> = []
  if (!(Number.isInteger(o.particles) && o.particles >= 2)) p.push(["particles", `expected an integer >= 2, got ${o.particles}`])
  if (o.generations !== undefined && !(Number.isInteger(o.generations) && o.generations >= 1)) p.push(["generations", `expected an integer >= 1, got ${o.generations}`])
  if (o.untilEpsilon !== undefined && !(Number.isFinite(o.untilEpsilon) && o.untilEpsilon >= 0)) p.push(["until-epsilon", `expected a number >= 0, got ${o.untilEpsilon}`])
  if (o.alpha !== undefined && !(o.alpha > 0 && o.alpha < 1)) p.push(["alpha", `expected a number in (0, 1), got ${o.alpha}`])
  if (o.parameters.length === 0) p.push(["parameters", "expected at least one parameter"])
  o.parameters.forEach((q, k) => {
    if (!(Number.isFinite(q.from) && Number.isFinite(q.to) && q.to > q.from)) p.push([`parameters[${k}]`, `expected finite from < to, got ${q.from}..${q.to}`])
    if (q.prior === "log-uniform" && !(q.from > 0)) p.push([`parameters[${k}]`, `a log-uniform prior needs from > 0, got ${q.from}`])
  })
  if (o.observed.length === 0) p.push(["observed", "expected at least one summary statistic"])
  if (o.scales && o.scales.some((s) => s !== undefined && !(s > 0 && Number.isFinite(s)))) p.push(["scales", "expected finite scales > 0"])
  if (o.weights && o.weights.some((w) => !(w >= 0 && Number.isFinite(w)))) p.push(["weights", "expected finite weights >= 0"])
  return p
}

// ---------------------------------------------------------------- numerics

/** θ on the sampling scale: ln θ for a log-uniform prior, where the prior is uniform too. */
const toU = (q: AbcParameter, x: number): number => (q.prior === "log-uniform" ? Math.log(x) : x)
const fromU = (q: AbcParameter, u: number): number => (q.prior === "log-uniform" ? Math.exp(u) : u)
const lowU = (q: AbcParameter) => toU(q, q.from)
const highU = (q: AbcParameter) => toU(q, q.to)

/** The weighted q-quantile: the smallest value whose cumulative weight reaches q (ties in value order). */
export const weightedQuantile = (values: ReadonlyArray<number>, weights: ReadonlyArray<number>, q: number): number => {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b)
  const total = weights.reduce((s, w) => s + w, 0)
  let acc = 0
  for (const i of order) {
    acc += weights[i] / total
    if (acc >= q - 1e-12) return values[i]
  }
  return values[order[order.length - 1]]
}

/** Median absolute deviation × 1.4826 of the finite values (the sd of a normal sample); 0 when fewer than 2. */
export const madScale = (values: ReadonlyArray<number>): number => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (v.length < 2) return 0
  const med = (a: ReadonlyArray<number>) => (a.length % 2 === 1 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2)
  const m = med(v)
  return 1.4826 * med(v.map((x) => Math.abs(x - m)).sort((a, b) => a - b))
}

/** Weighted Euclidean distance of scaled differences; Infinity when a summary is missing (NaN). */
export const distance = (s: ReadonlyArray<number>, observed: ReadonlyArray<number>, scales: ReadonlyArray<number>, weights: ReadonlyArray<number>): number => {
  let d = 0
  for (let k = 0; k < observed.length; k++) {
    const z = (s[k] - observed[k]) / scales[k]
    if (!Number.isFinite(z)) return Infinity
    d += weights[k] * z * z
  }
  return Math.sqrt(d)
}

/** Weighted covariance (d × d, row-major) of points in rows. */
const covariance = (xs: ReadonlyArray<Float64Array>, w: ReadonlyArray<number>, d: number): Float64Array => {
  const mean = new Float64Array(d)
  for (let i = 0; i < xs.length; i++) for (let a = 0; a < d; a++) mean[a] += w[i] * xs[i][a]
  const c = new Float64Array(d * d)
  for (let i = 0; i < xs.length; i++) {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) c[a * d + b] += w[i] * (xs[i][a] - mean[a]) * (xs[i][b] - mean[b])
  }
  return c
}

/** Lower Cholesky factor of a symmetric positive definite d × d matrix (row-major). */
const cholesky = (m: Float64Array, d: number): Float64Array => {
  const l = new Float64Array(d * d)
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i * d + j]
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k]
      l[i * d + j] = i === j ? Math.sqrt(Math.max(s, 0)) : s / l[j * d + j]
    }
  }
  return l
}

/**
 * The Beaumont kernel: a Gaussian with twice the weighted covariance of the population. A direction the population
 * has collapsed on gets a floor of 1e-6 of its prior range, so the factor exists.
 */
const kernelOf = (us: ReadonlyArray<Float64Array>, w: ReadonlyArray<number>, params: ReadonlyArray<AbcParameter>): Float64Array => {
  const d = params.length
  const c = covariance(us, w, d)
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) c[a * d + b] *= 2
    const range = highU(params[a]) - lowU(params[a])
    c[a * d + a] += (1e-6 * range) ** 2
  }
  return cholesky(c, d)
}

/** -½ |L⁻¹ x|² (forward substitution into `tmp`). */
const halfMahalanobis = (l: Float64Array, x: Float64Array, tmp: Float64Array, d: number): number => {
  let s = 0
  for (let i = 0; i < d; i++) {
    let v = x[i]
    for (let k = 0; k < i; k++) v -= l[i * d + k] * tmp[k]
    tmp[i] = v / l[i * d + i]
    s += tmp[i] * tmp[i]
  }
  return -0.5 * s
}

/** Importance weights ∝ prior / Σ_j w_j K(θ | θ_j); the prior is constant on the sampling scale inside its support. */
const importanceWeights = (accepted: ReadonlyArray<Float64Array>, prev: ReadonlyArray<Float64Array>, prevW: ReadonlyArray<number>, l: Float64Array, d: number): number[] => {
  const diff = new Float64Array(d)
  const tmp = new Float64Array(d)
  const logs = new Float64Array(prev.length)
  const logW = accepted.map((u) => {
    let max = -Infinity
    for (let j = 0; j < prev.length; j++) {
      for (let a = 0; a < d; a++) diff[a] = u[a] - prev[j][a]
      logs[j] = Math.log(prevW[j]) + halfMahalanobis(l, diff, tmp, d)
      if (logs[j] > max) max = logs[j]
    }
    let s = 0
    for (let j = 0; j < prev.length; j++) s += Math.exp(logs[j] - max)
    return -(max + Math.log(s))
  })
  const top = Math.max(...logW)
  const raw = logW.map((x) => Math.exp(x - top))
  const total = raw.reduce((s, x) => s + x, 0)
  return raw.map((x) => x / total)
}

/** A stream per (seed, generation, batch): a resumed calibration draws what an uninterrupted one did. */
const streamOf = (seed: number, generation: number, batch: number) => {
  const uniform = makeStream(seed, mix32(mix32(0x6162630d ^ generation) ^ batch))
  const gaussian = () => {
    const u = 1 - uniform()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform())
  }
  return { uniform, gaussian }
}

const ess = (w: ReadonlyArray<number>): number => 1 / w.reduce((s, x) => s + x * x, 0)

// ---------------------------------------------------------------- the algorithm

/**
 * Runs ABC-SMC. Generation 0 draws N particles from the prior and accepts them all; generation t ≥ 1 takes as
 * tolerance the α-quantile of generation t−1's weighted distances, proposes by resampling generation t−1 by weight
 * and perturbing with the Beaumont kernel (redrawn while outside the prior's support, without simulating), and
 * simulates in batches until N proposals lie within the tolerance — the first N in proposal order. Deterministic
 * for a seed and a deterministic simulator; `resume` continues from completed populations with the same result.
 */
export const abcSmc = async (o: AbcSmcOptions): Promise<AbcResult> => {
  const problems = abcOptionProblems(o)
  if (problems.length > 0) throw new RangeError(`abcSmc: ${problems.map(([k, m]) => `${k}: ${m}`).join("; ")}`)
  const params = o.parameters
  const d = params.length
  const n = o.particles
  const alpha = o.alpha ?? 0.5
  const target = o.generations ?? (o.untilEpsilon === undefined ? 5 : Infinity)
  const maxGenerations = o.maxGenerations ?? 30
  const maxProposals = o.maxProposals ?? 100 * n
  const summaryWeights = o.weights ?? o.observed.map(() => 1)
  const gens: AbcGeneration[] = [...(o.resume?.generations ?? [])]
  let scales: number[] = o.resume ? [...o.resume.scales] : []
  let simulations = gens.reduce((s, g) => s + g.proposed, 0)

  const finish = (stopReason: AbcResult["stopReason"]): AbcResult =>
    ({ generations: gens, posterior: gens[gens.length - 1], scales, stopReason, simulations })
  const done = (): AbcResult["stopReason"] | undefined => {
    const last = gens[gens.length - 1]
    if (last === undefined) return undefined
    if (o.untilEpsilon !== undefined && last.epsilon <= o.untilEpsilon) return "epsilon"
    if (gens.length >= target) return "generations"
    if (gens.length >= maxGenerations) return "max-generations"
    return undefined
  }

  if (gens.length === 0) {
    // generation 0: the prior
    const { uniform } = streamOf(o.seed, 0, 0)
    const thetas = Array.from({ length: n }, () => params.map((q) => fromU(q, lowU(q) + uniform() * (highU(q) - lowU(q)))))
    const summaries = await o.simulate(thetas, { generation: 0, batch: 0 })
    simulations += n
    scales = o.observed.map((_, k) => {
      const given = o.scales?.[k]
      if (given !== undefined) return given
      const mad = madScale(summaries.map((s) => s[k]))
      return mad > 0 ? mad : 1
    })
    await o.onScales?.(scales)
    const distances = summaries.map((s) => distance(s, o.observed, scales, summaryWeights))
    const weights = thetas.map(() => 1 / n)
    const g: AbcGeneration = { generation: 0, epsilon: Infinity, particles: thetas, weights, distances, summaries: summaries.map((s) => [...s]), proposed: n, hits: n, ess: n }
    gens.push(g)
    await o.onGeneration?.(g)
  }

  for (let stop = done(); ; stop = done()) {
    if (stop) return finish(stop)
    const prev = gens[gens.length - 1]
    const t = prev.generation + 1
    const epsilon = weightedQuantile(prev.distances, prev.weights, alpha)
    const prevU = prev.particles.map((th) => Float64Array.from(th, (x, a) => toU(params[a], x)))
    const l = kernelOf(prevU, prev.weights, params)
    const cumulative = new Float64Array(n)
    prev.weights.reduce((s, w, i) => (cumulative[i] = s + w), 0)
    const total = cumulative[n - 1]

    const accepted: Array<{ u: Float64Array; theta: number[]; distance: number; summary: number[] }> = []
    let proposed = 0
    // batches sized by the acceptance rate seen last (generation 0 accepted all: α is the guess)
    let rate = t === 1 ? alpha : prev.hits / prev.proposed
    let hits = 0
    for (let batch = 0; accepted.length < n; batch++) {
      if (proposed >= maxProposals) return finish("max-proposals")
      const need = n - accepted.length
      const size = Math.min(maxProposals - proposed, Math.max(need, Math.ceil((1.1 * need) / Math.max(rate, 0.01))))
      const { uniform, gaussian } = streamOf(o.seed, t, batch)
      const us: Float64Array[] = []
      const z = new Float64Array(d)
      for (let k = 0; k < size; k++) {
        const u = new Float64Array(d)
        for (;;) {
          const r = uniform() * total
          let j = 0
          while (j < n - 1 && cumulative[j] <= r) j++
          for (let a = 0; a < d; a++) z[a] = gaussian()
          for (let a = 0; a < d; a++) {
            let x = 0
            for (let b = 0; b <= a; b++) x += l[a * d + b] * z[b]
            u[a] = prevU[j][a] + x
          }
          if (params.every((q, a) => u[a] >= lowU(q) && u[a] <= highU(q))) break
        }
        us.push(u)
      }
      const thetas = us.map((u) => params.map((q, a) => fromU(q, u[a])))
      const summaries = await o.simulate(thetas, { generation: t, batch })
      proposed += size
      simulations += size
      for (let k = 0; k < size; k++) {
        const dist = distance(summaries[k], o.observed, scales, summaryWeights)
        if (dist <= epsilon) {
          hits++
          if (accepted.length < n) accepted.push({ u: us[k], theta: thetas[k], distance: dist, summary: [...summaries[k]] })
        }
      }
      rate = hits / proposed
    }
    const weights = importanceWeights(accepted.map((a) => a.u), prevU, prev.weights, l, d)
    const g: AbcGeneration = {
      generation: t, epsilon, particles: accepted.map((a) => a.theta), weights, distances: accepted.map((a) => a.distance),
      summaries: accepted.map((a) => a.summary), proposed, hits, ess: ess(weights)
    }
    gens.push(g)
    await o.onGeneration?.(g)
  }
}
