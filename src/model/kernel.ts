// The step kernels: pure functions over an index range, run identically on the main thread and in workers.
// A tick is: sweep (per colour class) → host (all agents) → settle (all agents); `measure` runs on record ticks.
// Nothing here allocates, closes over state or touches Effect; every random draw comes from the agent's stream.
import * as Net from "./belief-network.js"
import { nextGaussian, nextUniform } from "./rng.js"
import { PENDING, Trait, TRAITS, type AgentState, type Inputs } from "./state.js"
import { alloc, type Topology } from "./graph/topology.js"

/** Scalars and small tables fixed for a run (compiled from the scenario by `world.ts`). */
export interface Constants {
  readonly n: number
  readonly B: number
  readonly P: number
  readonly M: number
  readonly tau0: number
  readonly energyMax: number
  readonly gamma: number
  readonly surpriseGain: number
  readonly valence: number
  readonly theta: number
  readonly saturation: number
  readonly eta: number
  readonly wMax: number
  readonly conformity: number
  readonly evidenceGain: number
  readonly evidenceNoise: number
  /** whether any belief is factual (else there is no evidence to observe and `observations` is empty) */
  readonly evidence: boolean
  /** whether any intervention carries content (else `Inputs.field` is empty) */
  readonly contentFields: boolean
  /** per belief: 1 when socially expressed */
  readonly expressed: Uint8Array
  /** agent i's dispositions start at i·hStride (0 when all agents share one vector) */
  readonly hStride: number
  /** B×B packed-pair index */
  readonly pairIndex: Int32Array
  /** per meme m: μ_m c_m[a] (M×B), c_m (M×B), number of asserted beliefs, threshold, β, δ, α */
  readonly memeLoad: Float32Array
  readonly memeContent: Int8Array
  readonly memeSize: Int32Array
  readonly memeThreshold: Float32Array
  readonly memeBeta: Float32Array
  readonly memeDecay: Float32Array
  readonly memeIntensity: Float32Array
  /** meme evolution (K = 0 without it) */
  readonly variation: VariationConstants
  /** group attachment: group per agent (-1 none), identity belief per group, content (G×B) and its size */
  readonly groupOf: Int32Array
  readonly groupIdentity: Int32Array
  readonly groupContent: Int8Array
  readonly groupContentSize: Int32Array
  /** negative attractors: pattern content (K×B) and size */
  readonly patternContent: Int8Array
  readonly patternSize: Int32Array
}

/** Meme evolution: K slots per agent, the forgetting floor and the mutation operator (evolution/variants.ts). */
export interface VariationConstants {
  readonly K: number
  readonly forget: number
  /** chance a successful transmission (to a new carrier or a refresh) drafts a new variant */
  readonly rate: number
  readonly flip: number
  readonly drop: number
  readonly add: number
  /** per trait: sd of the Gaussian change and the range it is clamped to */
  readonly sd: Float32Array
  readonly min: Float32Array
  readonly max: Float32Array
}

export interface KernelData {
  readonly constants: Constants
  readonly state: AgentState
  readonly inputs: Inputs
  readonly topology: Topology
  /** the packed-belief mirror the threads share (`Kernel.packed`); a kernel without one allocates its own */
  readonly packed?: Uint32Array
}

/** The packed-belief mirror holds one bit per belief in a 32-bit word per agent. */
export const MAX_PACKED_BELIEFS = 32

/** Per-agent values the metrics reduce; slot constants name the columns of `measure`'s output. */
export const Slot = {
  dissonance: 0,
  social: 1,
  frustration: 2,
  complexity: 3,
  edgeDiffer: 4,
  edgePairs: 5,
  attachment: 6,
  patterns: 7
} as const

/**
 * Two more per-agent values `measure` keeps, not metrics: the fingerprint (two 32-bit halves) of the couplings that
 * frustration and complexity were computed from. While an agent's couplings keep it, `measure` reuses those values
 * instead of recomputing them (cooled agents' networks do not change, and the eigenvalues behind complexity are most
 * of a measurement's cost).
 */
export const Memo = { couplingsLo: 8, couplingsHi: 9 } as const
export const SLOTS = 10

/** The kernel: the run's arrays held as fields (monomorphic access) plus this thread's scratch. */
export class Kernel {
  readonly c: Constants
  readonly s: AgentState
  readonly x: Inputs
  readonly t: Topology
  private readonly social: Float64Array
  private readonly memeField: Float64Array
  private readonly internal: Float64Array
  private readonly prediction: Float64Array
  private readonly expressedCount: number
  private readonly contentFields: boolean
  /** whether any belief is factual (else there is no evidence to observe) */
  private readonly evidence: boolean
  /** whether every tie has w ≥ 0 (then |w| = w and the social sums double as the agreement) */
  private readonly nonNegative: boolean
  /** spins offsets of the current agent's neighbours */
  private readonly neighbourBase: Int32Array
  private readonly external: Float64Array
  private readonly m1: Float64Array
  private readonly m2: Float64Array
  private readonly m3: Float64Array
  /** variant slots per agent (0 without meme evolution) and which of the agent's slots were refreshed this tick */
  private readonly K: number
  private readonly refreshed: Uint8Array
  /** the couplings' bits, for their fingerprint */
  private readonly couplingBits: Uint32Array
  /**
   * Bit a of packed[i] is set when s_i[a] = +1: a mirror of the spins that the social field reads (4 bytes per
   * neighbour instead of B). Refreshed from the spins by the `pack` phase at the start of every tick, kept in step by
   * each agent's update, and trusted only from that phase until `settle` (`fresh`): between ticks the timeline,
   * plugins and checkpoints may write the spins directly.
   */
  packed: Uint32Array
  private fresh = false
  /** w when every tie has the same weight w, a positive power of two (then sums of ±w are exact in any order); else 0 */
  private readonly uniformWeight: number
  /** the current agent's neighbours' packed words, and per-belief counts of +1 among them */
  private readonly neighbourWord: Int32Array
  private readonly plus: Int32Array

  constructor(d: KernelData) {
    this.c = d.constants
    this.s = d.state
    this.x = d.inputs
    this.t = d.topology
    const B = d.constants.B
    this.social = new Float64Array(B)
    this.memeField = new Float64Array(B)
    this.internal = new Float64Array(B)
    this.prediction = new Float64Array(B)
    this.expressedCount = d.constants.expressed.reduce((n, e) => n + e, 0)
    // From the scenario, never from array lengths: a feature's presence must not depend on how memory was allocated.
    this.contentFields = d.constants.contentFields
    this.evidence = d.constants.evidence
    this.nonNegative = d.topology.weights.every((w) => w >= 0)
    let maxDegree = 0
    for (let i = 0; i < d.topology.n; i++) maxDegree = Math.max(maxDegree, d.topology.offsets[i + 1] - d.topology.offsets[i])
    this.neighbourBase = new Int32Array(maxDegree)
    this.external = new Float64Array(B)
    this.m1 = new Float64Array(B * B)
    this.m2 = new Float64Array(B * B)
    this.m3 = new Float64Array(B * B)
    this.K = d.constants.variation.K
    this.refreshed = new Uint8Array(this.K)
    this.couplingBits = new Uint32Array(d.state.couplings.buffer, d.state.couplings.byteOffset, d.state.couplings.length)
    this.packed = d.packed ?? NO_WORDS
    this.uniformWeight = uniformPowerOfTwo(d.topology.weights)
    this.neighbourWord = new Int32Array(maxDegree)
    this.plus = new Int32Array(MAX_PACKED_BELIEFS)
  }

  /** Refreshes the packed-belief mirror of agents lo..hi from the spins (the first phase of a tick). */
  pack(lo: number, hi: number): void {
    const { B, n } = this.c
    if (B > MAX_PACKED_BELIEFS) return
    if (this.packed.length !== n) this.packed = new Uint32Array(n)
    const spins = this.s.spins
    const packed = this.packed
    for (let i = lo; i < hi; i++) {
      let word = 0
      const sb = i * B
      for (let a = 0; a < B; a++) word |= ((spins[sb + a] + 1) >> 1) << a
      packed[i] = word
    }
    this.fresh = true
  }

  /** Heat-bath updates of the agents order[lo..hi) of one colour class; `observe` draws this tick's evidence. */
  sweep(lo: number, hi: number, observe: boolean): void {
    const order = this.t.order
    for (let k = lo; k < hi; k++) this.sweepAgent(order[k], observe)
  }

  private sweepAgent(i: number, observe: boolean): void {
    const { c, s, x } = this
    const B = c.B
    const sb = i * B
    const spins = s.spins
    const asleep = x.sleep[i] !== 0
    if (observe && this.evidence) this.observe(i, asleep)
    const ext = this.external
    const inner = this.internal
    this.externalField(i, asleep, observe)
    this.internalField(i)
    const T = c.tau0 + s.energy[i]
    const vol = x.volatility[i]
    const heat = x.fieldHeat[i]
    const cons = x.consonance[i]
    const W = s.couplings
    const wb = i * c.P
    const pix = c.pairIndex
    // The agent's stream lives in locals for the sweep (xoshiro128**), written back once at the end.
    const rng = s.rng
    const o = 4 * i
    let s0 = rng[o], s1 = rng[o + 1], s2 = rng[o + 2], s3 = rng[o + 3]
    let word = 0
    for (let a = 0; a < B; a++) {
      const g = inner[a]
      let f = g + ext[a]
      if (vol > 0) {
        rng[o] = s0; rng[o + 1] = s1; rng[o + 2] = s2; rng[o + 3] = s3
        f += vol * nextGaussian(rng, i)
        s0 = rng[o]; s1 = rng[o + 1]; s2 = rng[o + 2]; s3 = rng[o + 3]
      }
      if (cons > 0 && g !== 0) f += g > 0 ? cons : -cons
      const old = spins[sb + a]
      const Ta = heat > 0 && old * f < 0 ? T + heat : T
      let next: number
      if (Ta <= 0) next = f > 0 ? 1 : f < 0 ? -1 : old
      else {
        const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
        const t = s1 << 9
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = (s3 << 11) | (s3 >>> 21)
        next = heatBath(f, Ta, r / 4294967296)
      }
      word |= ((next + 1) >> 1) << a
      if (next !== old) {
        spins[sb + a] = next
        // Keep the other beliefs' internal fields current: W[b,a] (s_a' - s_a).
        const d = next - old
        const row = a * B
        for (let b = 0; b < B; b++) if (b !== a) inner[b] += W[wb + pix[row + b]] * d
      }
    }
    rng[o] = s0; rng[o + 1] = s1; rng[o + 2] = s2; rng[o + 3] = s3
    // Written even when this kernel did not refresh the mirror: with the work shared out in chunks, another thread
    // may have run this tick's pack phase and read this word after the class.
    if (this.packed.length !== 0) this.packed[i] = word
  }

  /** h_i[a] + Σ_b W[a,b] s_b for every belief, in one pass over the packed triangle. */
  private internalField(i: number): void {
    const { c, s } = this
    const B = c.B
    const sb = i * B
    const g = this.internal
    const W = s.couplings
    const spins = s.spins
    const hb = i * c.hStride
    for (let a = 0; a < B; a++) g[a] = s.dispositions[hb + a]
    let k = i * c.P
    for (let a = 0; a < B; a++) {
      const sa = spins[sb + a]
      let ga = 0
      for (let b = a + 1; b < B; b++) {
        const w = W[k++]
        ga += w * spins[sb + b]
        g[b] += w * sa
      }
      g[a] += ga
    }
  }

  /** Everything but the agent's own network: content fields, neighbours, memes and evidence. */
  private externalField(i: number, asleep: boolean, observe: boolean): void {
    const { c, s, x } = this
    const B = c.B
    const sb = i * B
    const ext = this.external
    this.socialField(i, asleep, observe)
    this.contentField(i)
    for (let a = 0; a < B; a++) ext[a] = this.social[a] + this.memeField[a]
    if (this.evidence) for (let a = 0; a < B; a++) ext[a] += c.evidenceGain * s.observations[sb + a]
    if (this.contentFields) for (let a = 0; a < B; a++) ext[a] += x.field[sb + a]
  }

  /** o_i[a] for factual beliefs: the truth with chance 1 - q, its opposite with chance q; none while asleep. */
  private observe(i: number, asleep: boolean): void {
    const { c, s } = this
    const sb = i * c.B
    const rate = s.observeRate[i]
    for (let a = 0; a < c.B; a++) {
      const truth = s.truth[a]
      let o = 0
      if (truth !== 0 && !asleep && nextUniform(s.rng, i) < rate) {
        o = nextUniform(s.rng, i) < c.evidenceNoise ? -truth : truth
      }
      s.observations[sb + a] = o
    }
  }

  /**
   * λ Σ_j w_ij s_j[a] over expressed beliefs; co-participants of a ritual bond by (1 + bond).
   * On the observing sweep it also records the prediction error: the share of this tick's observations
   * (neighbours' expressed beliefs weighted by |w|, and evidence) that disagree with the agent's beliefs
   * as they stand before it updates them — its predictions.
   */
  private socialField(i: number, asleep: boolean, observe: boolean): void {
    const { c, s, x, t } = this
    const B = c.B
    const sb = i * B
    const soc = this.social
    const prediction = this.prediction
    const spins = s.spins
    soc.fill(0)
    let weight = 0
    let agreement = 0
    if (!asleep) {
      for (let a = 0; a < B; a++) prediction[a] = c.expressed[a] * spins[sb + a]
      const r = x.ritual[i]
      const lo = t.offsets[i]
      const hi = t.offsets[i + 1]
      if (r < 0 && this.nonNegative && this.fresh) this.packedSocial(lo, hi)
      else if (r < 0 && this.nonNegative) {
        // The common case — no ritual bond, no antagonistic tie — belief by belief, so each sum stays in a register;
        // |w| = w, so the agreement is Σ_a prediction[a] Σ_j w s_j[a].
        const base = this.neighbourBase
        for (let e = lo; e < hi; e++) base[e - lo] = t.neighbours[e] * B
        const deg = hi - lo
        for (let a = 0; a < B; a++) {
          let sum = 0
          for (let k = 0; k < deg; k++) sum += t.weights[lo + k] * spins[base[k] + a]
          soc[a] = sum
        }
      } else for (let e = lo; e < hi; e++) {
        const j = t.neighbours[e]
        const w = t.weights[e]
        const jb = j * B
        const wb = r >= 0 && x.ritual[j] === r ? w * (1 + x.bond[r]) : w
        if (observe) {
          let dot = 0
          for (let a = 0; a < B; a++) {
            const v = spins[jb + a]
            soc[a] += wb * v
            dot += prediction[a] * v
          }
          const abs = w < 0 ? -w : w
          weight += abs
          agreement += abs * dot
        } else {
          for (let a = 0; a < B; a++) soc[a] += wb * spins[jb + a]
        }
      }
      if (r < 0 && this.nonNegative && observe) {
        for (let a = 0; a < B; a++) agreement += prediction[a] * soc[a]
        for (let e = lo; e < hi; e++) weight += t.weights[e]
      }
    }
    if (observe) {
      // PE = disagreeing / all observations: of the neighbours' Σ|w|·|X|, (total - agreement)/2 disagree; then evidence.
      let total = weight * this.expressedCount
      let miss = (total - agreement) / 2
      if (this.evidence) {
        for (let a = 0; a < B; a++) {
          const o = s.observations[sb + a]
          if (o === 0) continue
          total += 1
          if (o !== spins[sb + a]) miss += 1
        }
      }
      s.surprise[i] = total > 0 ? miss / total : 0
    }
    const lambda = c.conformity
    for (let a = 0; a < B; a++) soc[a] = c.expressed[a] ? lambda * soc[a] : 0
  }

  /**
   * Σ_j w_ij s_j[a] for every belief from the packed mirror, into `social`, summed in the same order as the spins
   * path (so bit-identical). With one power-of-two weight w for every tie, each sum is w (2 n₊ - degree), n₊ the
   * neighbours with s_j[a] = +1, counted 4 beliefs at a time: a nibble of a packed word is spread to 4 byte lanes
   * (`SPREAD`) and added into a 32-bit accumulator, flushed every 255 neighbours.
   */
  private packedSocial(lo: number, hi: number): void {
    const B = this.c.B
    const soc = this.social
    const packed = this.packed
    const nb = this.t.neighbours
    const deg = hi - lo
    const w = this.uniformWeight
    if (w > 0) {
      const plus = this.plus
      plus.fill(0)
      const wide = B > 16
      for (let start = lo; start < hi; start += 255) {
        const end = hi - start > 255 ? start + 255 : hi
        let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0
        for (let e = start; e < end; e++) {
          const x = packed[nb[e]]
          c0 = (c0 + SPREAD[x & 15]) | 0
          c1 = (c1 + SPREAD[(x >>> 4) & 15]) | 0
          c2 = (c2 + SPREAD[(x >>> 8) & 15]) | 0
          c3 = (c3 + SPREAD[(x >>> 12) & 15]) | 0
          if (wide) {
            c4 = (c4 + SPREAD[(x >>> 16) & 15]) | 0
            c5 = (c5 + SPREAD[(x >>> 20) & 15]) | 0
            c6 = (c6 + SPREAD[(x >>> 24) & 15]) | 0
            c7 = (c7 + SPREAD[x >>> 28]) | 0
          }
        }
        for (let q = 0; q < 4; q++) {
          const sh = 8 * q
          plus[q] += (c0 >>> sh) & 255
          plus[4 + q] += (c1 >>> sh) & 255
          plus[8 + q] += (c2 >>> sh) & 255
          plus[12 + q] += (c3 >>> sh) & 255
          if (wide) {
            plus[16 + q] += (c4 >>> sh) & 255
            plus[20 + q] += (c5 >>> sh) & 255
            plus[24 + q] += (c6 >>> sh) & 255
            plus[28 + q] += (c7 >>> sh) & 255
          }
        }
      }
      for (let a = 0; a < B; a++) soc[a] = (2 * plus[a] - deg) * w
      return
    }
    // Any other weights: w·s is ±w exactly, added neighbour by neighbour as on the spins path.
    const words = this.neighbourWord
    const weights = this.t.weights
    for (let k = 0; k < deg; k++) words[k] = packed[nb[lo + k]]
    for (let a = 0; a < B; a++) {
      let sum = 0
      for (let k = 0; k < deg; k++) {
        const wk = weights[lo + k]
        sum += ((words[k] >>> a) & 1) !== 0 ? wk : -wk
      }
      soc[a] = sum
    }
  }

  /** Σ_m μ_m x_i[m] c_m[a]. */
  private contentField(i: number): void {
    const { c, s } = this
    const B = c.B
    const mf = this.memeField
    mf.fill(0)
    for (let m = 0; m < c.M; m++) {
      const xm = s.salience[i * c.M + m]
      if (xm === 0) continue
      for (let a = 0; a < B; a++) mf[a] += xm * c.memeLoad[m * B + a]
    }
    const K = this.K
    for (let k = i * K; k < (i + 1) * K; k++) {
      const v = s.carried[k]
      if (v < 0) continue
      const xm = s.carriedSalience[k] * s.variantTraits[v * TRAITS + Trait.load]
      for (let a = 0; a < B; a++) mf[a] += xm * s.variantContent[v * B + a]
    }
  }

  /** Which memes each agent in lo..hi hosts: the share of the meme's content it holds reaches the threshold. */
  host(lo: number, hi: number): void {
    const { c, s } = this
    const B = c.B
    for (let i = lo; i < hi; i++) {
      for (let m = 0; m < c.M; m++) {
        let held = 0
        for (let a = 0; a < B; a++) {
          const cm = c.memeContent[m * B + a]
          if (cm !== 0 && cm === s.spins[i * B + a]) held++
        }
        s.hosts[i * c.M + m] = held >= c.memeThreshold[m] * c.memeSize[m] - 1e-9 ? 1 : 0
      }
      if (this.K > 0) this.offerVariants(i)
    }
  }

  /** Meme evolution: a carried variant is offered to neighbours while the agent hosts it (holds enough of its content). */
  private offerVariants(i: number): void {
    const s = this.s
    const B = this.c.B
    for (let k = i * this.K; k < (i + 1) * this.K; k++) {
      const v = s.carried[k]
      let offered = -1
      if (v >= 0) {
        let held = 0
        for (let a = 0; a < B; a++) {
          const cv = s.variantContent[v * B + a]
          if (cv !== 0 && cv === s.spins[i * B + a]) held++
        }
        if (held >= s.variantTraits[v * TRAITS + Trait.threshold] * s.variantSize[v] - 1e-9) offered = v
      }
      s.offer[k] = offered
    }
  }

  /** After the sweeps: salience, prediction error, plasticity and energy of the agents lo..hi. */
  settle(lo: number, hi: number): void {
    // The sweeps are over: from here to the next tick's pack phase, spins may change without the mirror.
    this.fresh = false
    for (let i = lo; i < hi; i++) {
      const rise = this.K > 0 ? this.transmitVariants(i) : this.transmit(i)
      const pe = this.s.surprise[i]
      this.reorganise(i)
      this.relax(i, pe, rise)
    }
  }

  /** Meme salience: refreshed to 1 by a hosting neighbour with chance β min(1, w), else decays by δ. Returns Σ α Δx⁺. */
  private transmit(i: number): number {
    const { c, s, x, t } = this
    const asleep = x.sleep[i] !== 0
    let rise = 0
    for (let m = 0; m < c.M; m++) {
      const k = i * c.M + m
      const old = s.salience[k]
      let refreshed = false
      if (!asleep) {
        for (let e = t.offsets[i]; e < t.offsets[i + 1] && !refreshed; e++) {
          const w = t.weights[e]
          if (w > 0 && s.hosts[t.neighbours[e] * c.M + m] === 1) {
            refreshed = nextUniform(s.rng, i) < c.memeBeta[m] * (w < 1 ? w : 1)
          }
        }
      }
      const now = refreshed ? 1 : old * (1 - c.memeDecay[m])
      s.salience[k] = now
      if (now > old) rise += c.memeIntensity[m] * (now - old)
    }
    return rise
  }

  /**
   * Meme evolution. For each neighbour j with w > 0 and each variant v it offers, in edge then slot order: a
   * carrier of v is refreshed to salience 1 with chance β_v min(1, w); an agent with a free slot takes v with the
   * same chance (without one a newcomer displaces a faded variant, `slotFor`). With chance `rate` (at most once
   * per agent per tick) the receiver's copy is a new variant drafted from v instead of v itself.
   * Unrefreshed slots decay by δ_v and are freed below `forget` unless the agent hosts the variant.
   * Returns Σ α Δx⁺ (a draft pays its parent's α: the parent is what arrived).
   */
  private transmitVariants(i: number): number {
    const { s, x, t } = this
    const K = this.K
    const base = i * K
    const refreshed = this.refreshed
    refreshed.fill(0)
    let rise = 0
    if (x.sleep[i] === 0) {
      for (let e = t.offsets[i]; e < t.offsets[i + 1]; e++) {
        const w = t.weights[e]
        if (w <= 0) continue
        const jb = t.neighbours[e] * K
        for (let kj = 0; kj < K; kj++) {
          const v = s.offer[jb + kj]
          if (v < 0) continue
          const slot = this.slotFor(base, v)
          if (slot < 0 || refreshed[slot] === 1) continue
          const beta = s.variantTraits[v * TRAITS + Trait.transmissibility]
          if (nextUniform(s.rng, i) >= beta * (w < 1 ? w : 1)) continue
          refreshed[slot] = 1
          const at = base + slot
          const before = s.carried[at] === v ? s.carriedSalience[at] : 0
          rise += s.variantTraits[v * TRAITS + Trait.intensity] * (1 - before)
          // Any successful transmission can vary the receiver's copy, a refresh too: culture keeps varying at equilibrium.
          if (this.mutates(i)) s.carried[at] = this.draft(i, v)
          else if (s.carried[at] !== v) s.carried[at] = v
          s.carriedSalience[at] = 1
        }
      }
    }
    for (let slot = 0; slot < K; slot++) {
      const at = base + slot
      const v = s.carried[at]
      if (v < 0 || refreshed[slot] === 1) continue
      const now = s.carriedSalience[at] * (1 - s.variantTraits[v * TRAITS + Trait.decay])
      // Forgotten only when faded and no longer held: a variant imprinted into the agent's beliefs stays with it.
      if (now < this.c.variation.forget && s.offer[at] < 0) {
        s.carried[at] = -1
        s.carriedSalience[at] = 0
      } else s.carriedSalience[at] = now
    }
    return rise
  }

  /**
   * The slot of agent `base / K` that carries v; else a free slot; else the least salient faded one (below
   * `forget`: held in the agent's beliefs but out of its attention), whose variant a newcomer displaces; else -1.
   */
  private slotFor(base: number, v: number): number {
    const { carried, carriedSalience } = this.s
    let free = -1
    let faded = -1
    for (let k = 0; k < this.K; k++) {
      const u = carried[base + k]
      if (u === v) return k
      if (u === -1) {
        if (free < 0) free = k
      } else if (u >= 0 && carriedSalience[base + k] < this.c.variation.forget) {
        if (faded < 0 || carriedSalience[base + k] < carriedSalience[base + faded]) faded = k
      }
    }
    return free >= 0 ? free : faded
  }

  /** Whether this acquisition is a mutation: at most one draft per agent per tick. */
  private mutates(i: number): boolean {
    const rate = this.c.variation.rate
    return rate > 0 && this.s.birthParent[i] < 0 && nextUniform(this.s.rng, i) < rate
  }

  /** Drafts a variant of v into agent i's birth buffers (content, then traits); the main thread numbers it. */
  private draft(i: number, v: number): number {
    const { c, s } = this
    const mv = c.variation
    const B = c.B
    const out = i * B
    let asserted = 0
    for (let a = 0; a < B; a++) {
      let cv = s.variantContent[v * B + a]
      if (cv !== 0) {
        if (mv.flip > 0 && nextUniform(s.rng, i) < mv.flip) cv = -cv
        else if (mv.drop > 0 && nextUniform(s.rng, i) < mv.drop) cv = 0
      } else if (mv.add > 0 && nextUniform(s.rng, i) < mv.add) cv = nextUniform(s.rng, i) < 0.5 ? -1 : 1
      s.birthContent[out + a] = cv
      if (cv !== 0) asserted++
    }
    // A variant asserts something: when every belief was dropped, the parent's first one stays.
    if (asserted === 0) {
      let a = 0
      while (s.variantContent[v * B + a] === 0) a++
      s.birthContent[out + a] = s.variantContent[v * B + a]
    }
    for (let t = 0; t < TRAITS; t++) {
      let z = s.variantTraits[v * TRAITS + t]
      if (mv.sd[t] > 0) z += mv.sd[t] * nextGaussian(s.rng, i)
      s.birthTraits[i * TRAITS + t] = z < mv.min[t] ? mv.min[t] : z > mv.max[t] ? mv.max[t] : z
    }
    s.birthParent[i] = v
    return PENDING
  }

  /** Plasticity p = clamp((ε-θ)/(ε_sat-θ)); Hebbian imprinting (or nREM housekeeping) and the complexity bias. */
  private reorganise(i: number): void {
    const { c, s, x } = this
    const p = plasticity(s.energy[i], c.theta, c.saturation)
    const local = x.fieldHeat[i] > 0 ? plasticity(s.energy[i] + x.fieldHeat[i], c.theta, c.saturation) : 0
    if (p === 0 && local === 0) return
    const wb = i * c.P
    if (x.sleep[i] === 1) {
      Net.shrink(s.couplings, wb, c.P, x.housekeeping[i] * p)
      return
    }
    Net.hebbian(s.couplings, wb, s.spins, i * c.B, c.B, c.eta * p, c.eta * local, c.wMax)
    const kc = x.complexityBias[i]
    if (kc !== 0 && p > 0) {
      Net.spectralBias(s.couplings, wb, c.B, c.pairIndex, c.eta * p * kc, c.wMax, this.m1, this.m2, this.m3)
    }
  }

  /** ε ← ε + σ PE + Σ α Δx⁺ + inputs + ν max(0, v) - γ0 (1 + sinks)(1 - depth)(ε - ε_rest), within [0, ε_max]. */
  private relax(i: number, pe: number, rise: number): void {
    const { c, s, x } = this
    const nu = c.valence + x.valence[i]
    let gain = c.surpriseGain * pe + rise + x.heat[i]
    if (nu > 0) gain += nu * this.valenceOf(i)
    const e = s.energy[i]
    const gamma = c.gamma * (1 + x.sinks[i]) * (1 - x.depth[i])
    const next = e + gain - gamma * (e - s.rest[i])
    s.energy[i] = next < 0 ? 0 : next > c.energyMax ? c.energyMax : next
  }

  /** Positive valence: consonance, -D over its largest possible value, floored at 0. */
  private valenceOf(i: number): number {
    const { c, s } = this
    const wb = i * c.P
    const sb = i * c.B
    const hb = i * c.hStride
    const z = Net.dissonanceScale(s.couplings, wb, c.P, s.dispositions, hb, c.B)
    if (z === 0) return 0
    const v = -Net.dissonance(s.couplings, wb, s.spins, sb, s.dispositions, hb, c.B) / z
    return v > 0 ? v : 0
  }

  /** Per-agent metric values for agents lo..hi into out[i*SLOTS + slot]. */
  measure(lo: number, hi: number, out: Float64Array): void {
    const { c, s, t } = this
    const B = c.B
    for (let i = lo; i < hi; i++) {
      const o = i * SLOTS
      const wb = i * c.P
      const sb = i * B
      out[o + Slot.dissonance] = Net.dissonance(s.couplings, wb, s.spins, sb, s.dispositions, i * c.hStride, B)
      let social = 0
      let differ = 0
      for (let e = t.offsets[i]; e < t.offsets[i + 1]; e++) {
        const jb = t.neighbours[e] * B
        let agree = 0
        for (let a = 0; a < B; a++) {
          const same = s.spins[sb + a] * s.spins[jb + a]
          if (c.expressed[a]) agree += same
          if (same < 0) differ++
        }
        social -= t.weights[e] * agree
      }
      out[o + Slot.social] = social
      out[o + Slot.edgeDiffer] = differ
      out[o + Slot.edgePairs] = (t.offsets[i + 1] - t.offsets[i]) * B
      if (Net.couplingsChanged(this.couplingBits, wb, c.P, out, o + Memo.couplingsLo)) {
        out[o + Slot.frustration] = B < 3 ? 0 : Net.frustration(s.couplings, wb, B, c.pairIndex)
        out[o + Slot.complexity] = Net.complexity(s.couplings, wb, B, c.pairIndex, this.m1, this.m2)
      }
      out[o + Slot.attachment] = this.attachment(i)
      out[o + Slot.patterns] = this.patternBits(i)
    }
  }

  private attachment(i: number): number {
    return attachmentOf(this.c, this.s, i)
  }

  /** Bit k set when the agent agrees with pattern k on at least 80% of its beliefs. */
  private patternBits(i: number): number {
    const { c, s } = this
    const B = c.B
    const K = c.patternSize.length
    let bits = 0
    for (let k = 0; k < K; k++) {
      let agree = 0
      for (let a = 0; a < B; a++) {
        const p = c.patternContent[k * B + a]
        if (p !== 0 && p === s.spins[i * B + a]) agree++
      }
      if (agree >= 0.8 * c.patternSize[k] - 1e-9) bits |= 1 << k
    }
    return bits
  }
}

/** Agent i's attachment: s[g] (1/|c|) Σ_a W[g,a] c[a] / wMax for its own group g (0 without one). */
export const attachmentOf = (c: Constants, s: AgentState, i: number): number => {
  const g = c.groupOf[i]
  if (g < 0 || c.groupContentSize[g] === 0) return 0
  const B = c.B
  const id = c.groupIdentity[g]
  let sum = 0
  for (let a = 0; a < B; a++) {
    const ca = c.groupContent[g * B + a]
    if (ca !== 0 && a !== id) sum += s.couplings[i * c.P + c.pairIndex[id * B + a]] * ca
  }
  return (s.spins[i * B + id] * sum) / c.groupContentSize[g] / c.wMax
}

export const plasticity = (e: number, theta: number, saturation: number): number => {
  const p = (e - theta) / (saturation - theta)
  return p < 0 ? 0 : p > 1 ? 1 : p
}

const NO_WORDS = new Uint32Array(0)

/** SPREAD[v]: the 4 bits of v, one per byte (bit k at bit 8k), to count 4 beliefs with one addition. */
const SPREAD = Int32Array.from({ length: 16 }, (_, v) => (v & 1) | ((v >> 1) & 1) << 8 | ((v >> 2) & 1) << 16 | ((v >> 3) & 1) << 24)

/** The weight every tie has when it is one positive power of two (sums of ±w are then exact in any order), else 0. */
const uniformPowerOfTwo = (weights: Float32Array): number => {
  if (weights.length === 0) return 0
  const w = weights[0]
  if (!(w > 0) || !Number.isFinite(w) || 2 ** Math.round(Math.log2(w)) !== w) return 0
  for (let e = 1; e < weights.length; e++) if (weights[e] !== w) return 0
  return w
}

/**
 * The heat bath's decision without its exponential where a table settles it. With E = exp(x), x = -2f/T, the update
 * is +1 when u (1 + E) < 1. Computed in floating point, u (1 + E) does not decrease as E grows (each operation
 * rounds monotonically), so with bounds lo ≤ E ≤ hi: u (1 + hi) < 1 gives +1 and u (1 + lo) ≥ 1 gives -1, the
 * same bits as computing E. The table holds such bounds for x in cells of width 1/32 over [-32, 32), each widened
 * by a cell on both sides (against rounding in the cell index) and by a relative 1e-12 (V8's exp is within one
 * unit in the last place, 1.1e-16); only for u in the narrow band between them is exp computed, as before.
 */
const EXP_CELLS = 32
const EXP_RANGE = 32
const expLow = new Float64Array(2 * EXP_RANGE * EXP_CELLS)
const expHigh = new Float64Array(2 * EXP_RANGE * EXP_CELLS)
for (let k = 0; k < expLow.length; k++) {
  const x = -EXP_RANGE + k / EXP_CELLS
  expLow[k] = Math.exp(x - 1 / EXP_CELLS) * (1 - 1e-12)
  expHigh[k] = Math.exp(x + 2 / EXP_CELLS) * (1 + 1e-12)
}

/** P(s = +1) = 1 / (1 + exp(-2f/T)): +1 when u (1 + exp(-2f/T)) < 1. */
const heatBath = (f: number, T: number, u: number): number => {
  const x = (-2 * f) / T
  if (x > -EXP_RANGE && x < EXP_RANGE) {
    const k = Math.floor((x + EXP_RANGE) * EXP_CELLS)
    if (u * (1 + expHigh[k]) < 1) return 1
    if (u * (1 + expLow[k]) >= 1) return -1
  }
  return u * (1 + Math.exp(x)) < 1 ? 1 : -1
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k))
