// Agents' initial draws — beliefs, dispositions, couplings (the shared prior plus noise), resting energy — as a plan
// of plain numbers and typed arrays, so that any range of agents can be drawn on any thread: each agent draws only
// from its own stream, seeded from (seed, agent), so the bytes do not depend on how the agents are split.
import { nextGaussian, nextUniform, seedStreamRange } from "./rng.js"

export interface DrawPlan {
  readonly n: number
  readonly B: number
  readonly P: number
  readonly seed: number
  readonly salt: number
  readonly wMax: number
  /** agent i's dispositions start at i·hStride (0: one shared vector) */
  readonly hStride: number
  readonly hNoise: number
  readonly noise: number
  /** per belief: the declared init (chance (1 + init)/2 of +1), disposition, and the group it is the identity of (-1) */
  readonly init: Float64Array
  readonly h: Float64Array
  readonly identityOf: Int32Array
  /** the shared prior of the couplings, P values */
  readonly prior: Float64Array
  /** scenario group per agent (-1 none), and each group's resting energy */
  readonly groupOf: Int32Array
  readonly groupRest: Float64Array
  readonly rest: number
  /** the energy agents start with (NaN: their resting energy) */
  readonly initialEnergy: number
  readonly observeRate: number
  /** the arrays drawn into (shared memory when other threads draw too) */
  readonly out: {
    readonly rng: Uint32Array
    readonly spins: Int8Array
    readonly dispositions: Float32Array
    readonly couplings: Float32Array
    readonly rest: Float64Array
    readonly energy: Float64Array
    readonly observeRate: Float32Array
  }
}

const clamp = (v: number, max: number): number => (v > max ? max : v < -max ? -max : v)

/** Seeds and draws agents lo..hi. */
export const drawAgents = (p: DrawPlan, lo: number, hi: number): void => {
  const { B, P, out } = p
  const rng = out.rng
  seedStreamRange(rng, lo, hi, p.seed, p.salt)
  for (let i = lo; i < hi; i++) {
    const g = p.groupOf[i]
    for (let a = 0; a < B; a++) {
      let v = nextUniform(rng, i) < (1 + p.init[a]) / 2 ? 1 : -1
      if (p.identityOf[a] >= 0) v = g === p.identityOf[a] ? 1 : -1
      out.spins[i * B + a] = v
      out.dispositions[i * p.hStride + a] = p.h[a] + (p.hNoise > 0 ? p.hNoise * nextGaussian(rng, i) : 0)
    }
    for (let k = 0; k < P; k++) {
      out.couplings[i * P + k] = clamp(p.prior[k] + (p.noise > 0 ? p.noise * nextGaussian(rng, i) : 0), p.wMax)
    }
    const rest = g >= 0 ? p.groupRest[g] : p.rest
    out.rest[i] = rest
    out.energy[i] = Number.isNaN(p.initialEnergy) ? rest : p.initialEnergy
    out.observeRate[i] = p.observeRate
  }
}

/** Draws every agent on this thread. */
export const drawAll = (plan: DrawPlan): void => drawAgents(plan, 0, plan.n)
