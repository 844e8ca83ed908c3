// Agent state as struct-of-arrays: every per-agent quantity is a typed array indexed by agent (and belief/meme).
// With `shared`, every array lives in a SharedArrayBuffer so worker threads read and write it in place.
import { alloc } from "./graph/topology.js"

/** Heritable traits of a meme variant, by index into a row of `variantTraits` (names in scenario/evolution.ts). */
export const Trait = { intensity: 0, load: 1, transmissibility: 2, decay: 3, threshold: 4, tag: 5 } as const
export const TRAITS = 6
/** A slot holding a variant drafted this tick, numbered at the end of the tick. */
export const PENDING = -2

/**
 * Sizes that fix the layout: n agents, B beliefs, P = B(B-1)/2 coupling pairs, M memes (0 with meme evolution,
 * whose founders live in the variant table), K variant slots per agent and V variants in the table (0 without).
 */
export interface Layout {
  readonly n: number
  readonly B: number
  readonly M: number
  readonly K: number
  readonly V: number
  /** whether dispositions differ between agents (else one shared vector of B) */
  readonly individualDispositions: boolean
  /** whether any intervention carries content (else the content-field array is empty) */
  readonly contentFields: boolean
  /** whether any belief is factual (else the observation array is empty) */
  readonly evidence: boolean
}

export const pairCount = (B: number): number => (B * (B - 1)) / 2

/** Index of coupling (a,b), a≠b, in an agent's packed upper triangle; -1 on the diagonal. */
export const pairIndexTable = (B: number): Int32Array => {
  const t = new Int32Array(B * B).fill(-1)
  let k = 0
  for (let a = 0; a < B; a++) {
    for (let b = a + 1; b < B; b++) {
      t[a * B + b] = k
      t[b * B + a] = k
      k++
    }
  }
  return t
}

/** The model's state: read and written by the kernels. */
export interface AgentState {
  /** s_i[a] ∈ {-1,+1}, n×B */
  readonly spins: Int8Array
  /** W_i, packed upper triangles, n×P */
  readonly couplings: Float32Array
  /** dispositions h_i[a], n×B — or B values shared by all when they do not vary (see Constants.hStride) */
  readonly dispositions: Float32Array
  /** ε_i and the resting level it relaxes to */
  readonly energy: Float64Array
  readonly rest: Float64Array
  /** chance per tick per factual belief of observing it (lower under withdrawal) */
  readonly observeRate: Float32Array
  /** o_i[a] ∈ {-1,0,+1} this tick (factual beliefs only), n×B; empty without factual beliefs */
  readonly observations: Int8Array
  /** prediction error of the last tick */
  readonly surprise: Float32Array
  /** x_i[m], n×M, and whether i hosts m */
  readonly salience: Float32Array
  readonly hosts: Uint8Array
  /** meme evolution (all empty without it): the variant table index in each of an agent's K slots (-1 empty), n×K */
  readonly carried: Int32Array
  readonly carriedSalience: Float32Array
  /** what each slot offers neighbours this tick: the carried variant when the agent hosts it, else -1 (host phase) */
  readonly offer: Int32Array
  /** at most one new variant per agent per tick, drafted in the settle phase and numbered on the main thread: */
  /** its parent's table index (-1 none), traits (n×T) and content (n×B) */
  readonly birthParent: Int32Array
  readonly birthTraits: Float32Array
  readonly birthContent: Int8Array
  /** the variant table: traits (V×T, see evolution/variants.ts `Trait`), content (V×B), asserted beliefs (V) */
  readonly variantTraits: Float32Array
  readonly variantContent: Int8Array
  readonly variantSize: Int32Array
  /** xoshiro128** state, 4 words per agent */
  readonly rng: Uint32Array
  /** the truth of each belief (0 = not factual); a shock flips it */
  readonly truth: Int8Array
}

/**
 * What the intervention timeline sets for the current tick; all zero (ritual = -1) when nothing is active.
 * The kernels only read these.
 */
export interface Inputs {
  /** content fields F_i[a], n×B; empty when the scenario has no content-bearing intervention */
  readonly field: Float32Array
  /** energy input per tick (ritual, meditation, sleep, surprise, doses) */
  readonly heat: Float64Array
  readonly sinks: Float32Array
  readonly depth: Float32Array
  /** sd of random fields (psychedelic, REM) */
  readonly volatility: Float32Array
  /** valence source ν */
  readonly valence: Float32Array
  /** complexity bias κc */
  readonly complexityBias: Float32Array
  /** field annealing: extra heat on dissonant beliefs, and consonant field */
  readonly fieldHeat: Float32Array
  readonly consonance: Float32Array
  /** 0 awake, 1 nREM, 2 REM */
  readonly sleep: Uint8Array
  /** nREM housekeeping rate ρ */
  readonly housekeeping: Float32Array
  /** index of the ritual attended this tick, -1 for none; bond per ritual index */
  readonly ritual: Int32Array
  readonly bond: Float32Array
}

export const allocState = (l: Layout, shared: boolean): AgentState => ({
  spins: alloc(Int8Array, l.n * l.B, shared),
  couplings: alloc(Float32Array, l.n * pairCount(l.B), shared),
  dispositions: alloc(Float32Array, (l.individualDispositions ? l.n : 1) * l.B, shared),
  energy: alloc(Float64Array, l.n, shared),
  rest: alloc(Float64Array, l.n, shared),
  observeRate: alloc(Float32Array, l.n, shared),
  observations: alloc(Int8Array, l.evidence ? l.n * l.B : 0, shared),
  surprise: alloc(Float32Array, l.n, shared),
  salience: alloc(Float32Array, l.n * l.M, shared),
  hosts: alloc(Uint8Array, l.n * l.M, shared),
  carried: alloc(Int32Array, l.n * l.K, shared).fill(-1),
  carriedSalience: alloc(Float32Array, l.n * l.K, shared),
  offer: alloc(Int32Array, l.n * l.K, shared).fill(-1),
  birthParent: alloc(Int32Array, l.K > 0 ? l.n : 0, shared).fill(-1),
  birthTraits: alloc(Float32Array, l.K > 0 ? l.n * TRAITS : 0, shared),
  birthContent: alloc(Int8Array, l.K > 0 ? l.n * l.B : 0, shared),
  variantTraits: alloc(Float32Array, l.V * TRAITS, shared),
  variantContent: alloc(Int8Array, l.V * l.B, shared),
  variantSize: alloc(Int32Array, l.V, shared),
  rng: alloc(Uint32Array, l.n * 4, shared),
  truth: alloc(Int8Array, l.B, shared)
})

export const allocInputs = (l: Layout, rituals: number, shared: boolean): Inputs => ({
  field: alloc(Float32Array, l.contentFields ? l.n * l.B : 0, shared),
  heat: alloc(Float64Array, l.n, shared),
  sinks: alloc(Float32Array, l.n, shared),
  depth: alloc(Float32Array, l.n, shared),
  volatility: alloc(Float32Array, l.n, shared),
  valence: alloc(Float32Array, l.n, shared),
  complexityBias: alloc(Float32Array, l.n, shared),
  fieldHeat: alloc(Float32Array, l.n, shared),
  consonance: alloc(Float32Array, l.n, shared),
  sleep: alloc(Uint8Array, l.n, shared),
  housekeeping: alloc(Float32Array, l.n, shared),
  ritual: alloc(Int32Array, l.n, shared).fill(-1),
  bond: alloc(Float32Array, Math.max(1, rituals), shared)
})

/** Resets the inputs to "nothing active". */
export const clearInputs = (x: Inputs): void => {
  x.field.fill(0)
  x.heat.fill(0)
  x.sinks.fill(0)
  x.depth.fill(0)
  x.volatility.fill(0)
  x.valence.fill(0)
  x.complexityBias.fill(0)
  x.fieldHeat.fill(0)
  x.consonance.fill(0)
  x.sleep.fill(0)
  x.housekeeping.fill(0)
  x.ritual.fill(-1)
}
