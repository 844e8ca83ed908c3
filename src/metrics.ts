// Metrics: named reporters reduced from per-agent values in agent order, so results never depend on partitioning.
import { plasticity, Slot, SLOTS } from "./kernel.js"
import type { World } from "./world.js"

/** A tidy table: one row per recorded tick, columns named as in docs/MODEL.md §Metrics. */
export interface MetricsTable {
  readonly columns: ReadonlyArray<string>
  readonly rows: Array<ReadonlyArray<number>>
}

export const metricColumns = (w: World): string[] => [
  "tick",
  "energy_mean",
  "energy_sd",
  "temperature_mean",
  "plasticity_mean",
  "dissonance_mean",
  "social_dissonance_mean",
  "frustration_mean",
  "complexity_mean",
  "disagreement_mean",
  "edge_disagreement",
  ...w.scenario.memes.map((m) => `share_${m.name}`),
  ...w.scenario.memes.map((m) => `salience_${m.name}`),
  ...w.groupNames.map((g) => `attachment_${g}`),
  ...w.scenario.patterns.map((p) => `occupancy_${p.name}`),
  ...w.beliefs.map((b) => `belief_${b.name}_mean`)
]

/** Reduces per-agent values (`perAgent`, filled by Kernel.measure) and the state into one metrics row. */
export const reduce = (w: World, tick: number, perAgent: Float64Array): number[] => {
  const { constants: c, state: s } = w
  const { n, B, M } = c
  let e1 = 0, T = 0, p = 0, D = 0, S = 0, frustration = 0, triadAgents = 0, cplx = 0, differ = 0, pairs = 0
  for (let i = 0; i < n; i++) {
    const e = s.energy[i]
    const o = i * SLOTS
    e1 += e
    T += c.tau0 + e
    p += plasticity(e, c.theta, c.saturation)
    D += perAgent[o + Slot.dissonance]
    S += perAgent[o + Slot.social]
    const f = perAgent[o + Slot.frustration]
    if (f >= 0) {
      frustration += f
      triadAgents++
    }
    cplx += perAgent[o + Slot.complexity]
    differ += perAgent[o + Slot.edgeDiffer]
    pairs += perAgent[o + Slot.edgePairs]
  }
  const mean = e1 / n
  let e2 = 0
  for (let i = 0; i < n; i++) e2 += (s.energy[i] - mean) ** 2
  const beliefMeans = new Float64Array(B)
  for (let i = 0; i < n; i++) for (let a = 0; a < B; a++) beliefMeans[a] += s.spins[i * B + a]
  let disagreement = 0
  for (let a = 0; a < B; a++) {
    beliefMeans[a] /= n
    disagreement += 1 - beliefMeans[a] ** 2
  }
  return [
    tick,
    mean,
    Math.sqrt(e2 / n),
    T / n,
    p / n,
    D / n,
    S / n,
    triadAgents > 0 ? frustration / triadAgents : 0,
    cplx / n,
    disagreement / B,
    pairs > 0 ? differ / pairs : 0,
    ...memeShares(s.hosts, n, M),
    ...memeShares(s.salience, n, M),
    ...attachments(w, perAgent),
    ...occupancies(w, perAgent),
    ...beliefMeans
  ]
}

const memeShares = (values: Uint8Array | Float32Array, n: number, M: number): number[] => {
  const out = new Array<number>(M).fill(0)
  for (let i = 0; i < n; i++) for (let m = 0; m < M; m++) out[m] += values[i * M + m]
  return out.map((v) => v / n)
}

const attachments = (w: World, perAgent: Float64Array): number[] => {
  const G = w.groupNames.length
  const sum = new Array<number>(G).fill(0)
  const count = new Array<number>(G).fill(0)
  for (let i = 0; i < w.constants.n; i++) {
    const g = w.constants.groupOf[i]
    if (g < 0) continue
    sum[g] += perAgent[i * SLOTS + Slot.attachment]
    count[g]++
  }
  return sum.map((v, g) => (count[g] > 0 ? v / count[g] : 0))
}

const occupancies = (w: World, perAgent: Float64Array): number[] => {
  const K = w.scenario.patterns.length
  const out = new Array<number>(K).fill(0)
  for (let i = 0; i < w.constants.n; i++) {
    const bits = perAgent[i * SLOTS + Slot.patterns]
    for (let k = 0; k < K; k++) if (bits & (1 << k)) out[k]++
  }
  return out.map((v) => v / w.constants.n)
}
