// Exact results for birth–death chains on 0..N (one step changes k by ±1), the form every well-mixed model of the
// library takes: fixation probabilities, mean absorption times and stationary distributions, to test against.

/** Per update: the chance that k goes up by one, and that it goes down by one. */
export interface Chain {
  readonly N: number
  up(k: number): number
  down(k: number): number
}

/** P(absorbed at N | start at k) for k = 0..N: Σ_{j<k} Π_{i≤j} γ_i / Σ_{j<N} Π_{i≤j} γ_i with γ = down/up. */
export const fixation = ({ N, up, down }: Chain): Float64Array => {
  const partial = new Float64Array(N + 1)
  let product = 1
  for (let j = 0; j < N; j++) {
    if (j > 0) product *= down(j) / up(j)
    partial[j + 1] = partial[j] + product
  }
  return partial.map((s) => s / partial[N])
}

/**
 * Mean number of updates until k reaches 0 or N, for k = 0..N: t_0 = t_N = 0 and
 * up(k)(t_{k+1} − t_k) − down(k)(t_k − t_{k−1}) = −1, solved as a tridiagonal system (Thomas algorithm).
 */
export const absorptionTime = ({ N, up, down }: Chain): Float64Array => {
  // row k (1..N−1): −down(k) t_{k−1} + (up(k) + down(k)) t_k − up(k) t_{k+1} = 1
  const c = new Float64Array(N + 1), d = new Float64Array(N + 1), t = new Float64Array(N + 1)
  for (let k = 1; k < N; k++) {
    const a = k > 1 ? -down(k) : 0
    const b = up(k) + down(k) - a * c[k - 1]
    c[k] = k < N - 1 ? -up(k) / b : 0
    d[k] = (1 - a * d[k - 1]) / b
  }
  for (let k = N - 1; k >= 1; k--) t[k] = d[k] - c[k] * t[k + 1]
  return t
}

/** The stationary distribution of a chain without absorbing states: π_k ∝ Π_{j≤k} up(j−1)/down(j). */
export const stationary = ({ N, up, down }: Chain): Float64Array => {
  const pi = new Float64Array(N + 1)
  pi[0] = 1
  for (let k = 1; k <= N; k++) pi[k] = (pi[k - 1] * up(k - 1)) / down(k)
  const total = pi.reduce((a, b) => a + b, 0)
  return pi.map((p) => p / total)
}

/** Mean and standard deviation of a distribution over 0..N, scaled by 1/scale. */
export const moments = (p: Float64Array, scale = 1): { mean: number; sd: number } => {
  let m = 0, m2 = 0
  p.forEach((q, k) => ((m += (q * k) / scale), (m2 += (q * k * k) / scale / scale)))
  return { mean: m, sd: Math.sqrt(m2 - m * m) }
}
