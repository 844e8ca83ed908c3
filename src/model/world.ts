// A world is a scenario made concrete: the belief list, the compiled graph, the kernel constants and the
// initial agent state, all drawn deterministically from the scenario seed.
import { makeStream, seedStreams } from "./rng.js"
import type { Scenario } from "../scenario/schema.js"
import type { SocialGraph } from "./graph/social-graph.js"
import { compileTopology, type Topology } from "./graph/topology.js"
import type { Constants, KernelData, VariationConstants } from "./kernel.js"
import { allocInputs, allocState, pairCount, pairIndexTable, Trait, TRAITS, type AgentState, type Inputs, type Layout } from "./state.js"
import { MEME_TRAITS } from "../scenario/evolution.js"
import { resolveTargets } from "./targets.js"
import { drawAll, type DrawPlan } from "./initial-state.js"
import { MemeVariants } from "./evolution/variants.js"
import { startProcesses } from "./evolution/index.js"
import type { EvolutionProcess } from "./evolution/process.js"
import { alloc } from "./graph/topology.js"
import { InputError } from "../errors.js"
import { allocPluginState, pluginContext, type LoadedPlugin, type PluginInstance } from "./plugin.js"

export interface BeliefInfo {
  readonly name: string
  readonly kind: "value" | "factual" | "identity"
}

export interface World extends KernelData {
  readonly scenario: Scenario
  /** where the scenario came from, for error messages */
  readonly file: string
  readonly graph: SocialGraph
  readonly beliefs: ReadonlyArray<BeliefInfo>
  readonly beliefIndex: ReadonlyMap<string, number>
  readonly groupNames: ReadonlyArray<string>
  /** agents reached by each intervention, in scenario order */
  readonly targets: ReadonlyArray<Int32Array>
  /** loaded plugins with their state, in scenario order (none for the built-in model alone) */
  readonly plugins: ReadonlyArray<PluginInstance>
  /** meme evolution's variant table and lineages (undefined unless `evolution.memes` is declared) */
  readonly memeVariants: MemeVariants | undefined
  /** the evolutionary processes the scenario turns on (src/model/evolution/index.ts), in registry order */
  readonly processes: ReadonlyArray<EvolutionProcess>
}

const AGENT_SALT = 0x6167656e
const FORK_SALT = 0x666f726b
const PRIOR_SALT = 0x7072696f
const TARGET_SALT = 0x74617267
const PATTERN_SALT = 0x70617474

/** Beliefs as declared, plus an identity belief `member:<group>` for each group that does not declare one. */
export const beliefList = (s: Scenario): BeliefInfo[] => {
  const list: BeliefInfo[] = s.beliefs.map((b) => ({ name: b.name, kind: b.kind }))
  for (const g of s.groups) {
    const id = g.identity ?? `member:${g.name}`
    if (!list.some((b) => b.name === id)) list.push({ name: id, kind: "identity" })
  }
  return list
}

export const makeWorld = (
  s: Scenario, graph: SocialGraph, file = "<scenario>", shared = false, plugins: ReadonlyArray<LoadedPlugin> = [],
  draw: (plan: DrawPlan) => void = drawAll
): World => {
  const beliefs = beliefList(s)
  const beliefIndex = new Map(beliefs.map((b, i) => [b.name, i]))
  const B = beliefs.length
  const n = graph.n
  const variation = s.evolution.memes
  // With meme evolution the declared memes are the variant table's founders, not fixed per-agent columns.
  const M = variation ? 0 : s.memes.length
  const topology = compileTopology(graph, shared)
  const rituals = s.interventions.filter((i) => i.kind === "ritual").length
  const layout: Layout = {
    n, B, M,
    K: variation ? variation.slots : 0,
    V: variation ? variation.capacity : 0,
    individualDispositions: s.prior.hNoise > 0,
    evidence: s.beliefs.some((b) => b.kind === "factual"),
    contentFields: s.interventions.some((iv) => "content" in iv && Object.keys(iv.content).length > 0)
  }
  const state = allocState(layout, shared)
  const inputs = allocInputs(layout, rituals, shared)
  const constants = makeConstants(s, graph, beliefIndex, layout, shared)
  const ctx = { graph, topology, seed: s.seed, file }
  const targets = s.interventions.map((iv, k) => resolveTargets(iv.target, ctx, TARGET_SALT + k, `interventions[${k}].target`))
  const world: World = {
    scenario: s, file, graph, beliefs, beliefIndex, groupNames: s.groups.map((g) => g.name),
    constants, state, inputs, topology, targets,
    plugins: plugins.map((p) => ({ ...p, state: allocPluginState(p.plugin, n, shared) })),
    memeVariants: variation ? new MemeVariants(s, constants, state, graph, beliefs.map((b) => b.name)) : undefined,
    processes: []
  }
  initialise(world, draw)
  ;(world.processes as EvolutionProcess[]).push(...startProcesses(world))
  // After the built-in state, in plugin order: a plugin's init may draw from agents' streams.
  world.plugins.forEach((p, k) => initPlugin(p, world, k))
  return world
}

/** Runs a plugin's init; what it throws (its own check of the world, say) is an InputError naming the plugin. */
const initPlugin = (p: PluginInstance, w: World, k: number): void => {
  try {
    p.plugin.init?.(pluginContext(p, w))
  } catch (e) {
    if (e instanceof InputError) throw e
    throw new InputError({ file: w.file, path: `plugins[${k}]`, message: `plugin "${p.plugin.name}" could not start: ${e instanceof Error ? e.message : String(e)}` })
  }
}

/** Writes named content (belief → ±1) into `out` from offset `at`. */
const vector = (content: Readonly<Record<string, number>>, index: ReadonlyMap<string, number>, out: Int8Array, at: number) => {
  for (const [name, v] of Object.entries(content)) out[at + index.get(name)!] = v
}

const makeConstants = (
  s: Scenario, graph: SocialGraph, index: ReadonlyMap<string, number>, layout: Layout, shared: boolean
): Constants => {
  const B = index.size
  const M = layout.M
  const memes = M > 0 ? s.memes : []
  const G = s.groups.length
  const memeContent = new Int8Array(M * B)
  const memeLoad = new Float32Array(M * B)
  memes.forEach((m, k) => {
    vector(m.content, index, memeContent, k * B)
    for (let a = 0; a < B; a++) memeLoad[k * B + a] = m.load * memeContent[k * B + a]
  })
  // Scenario groups are matched to graph groups by name; graph groups the scenario does not declare have no content.
  // Shared: ritual evolution moves agents between groups on the main thread and the kernels read membership.
  const groupOf = alloc(Int32Array, graph.n, shared).fill(-1)
  const graphToScenario = graph.groupNames.map((name) => s.groups.findIndex((g) => g.name === name))
  for (let i = 0; i < graph.n; i++) if (graph.group[i] >= 0) groupOf[i] = graphToScenario[graph.group[i]]
  const groupIdentity = new Int32Array(s.groups.map((g) => index.get(g.identity ?? `member:${g.name}`)!))
  const groupContent = new Int8Array(G * B)
  const groupContentSize = new Int32Array(G)
  s.groups.forEach((g, k) => {
    vector(g.content, index, groupContent, k * B)
    groupContent[k * B + groupIdentity[k]] = 0
    for (let a = 0; a < B; a++) if (groupContent[k * B + a] !== 0) groupContentSize[k]++
  })
  const K = s.patterns.length
  const patternContent = new Int8Array(K * B)
  s.patterns.forEach((p, k) => vector(p.beliefs, index, patternContent, k * B))
  const expressed = new Uint8Array(B).fill(1)
  s.beliefs.forEach((b, a) => (expressed[a] = b.expressed ? 1 : 0))
  return {
    n: graph.n, B, P: pairCount(B), M,
    tau0: s.energy.tau0, energyMax: s.energy.max, gamma: s.energy.gamma,
    surpriseGain: s.energy.surprise, valence: s.energy.valence,
    theta: s.plasticity.theta, saturation: s.plasticity.saturation, eta: s.plasticity.eta, wMax: s.plasticity.wMax,
    conformity: s.social.conformity,
    evidenceGain: s.evidence.gain, evidenceNoise: s.evidence.noise,
    evidence: layout.evidence, contentFields: layout.contentFields,
    expressed, pairIndex: pairIndexTable(B), hStride: s.prior.hNoise > 0 ? B : 0,
    memeLoad, memeContent,
    memeSize: new Int32Array(memes.map((m) => Object.keys(m.content).length)),
    memeThreshold: new Float32Array(memes.map((m) => m.threshold)),
    memeBeta: new Float32Array(memes.map((m) => m.transmissibility)),
    memeDecay: new Float32Array(memes.map((m) => m.decay)),
    memeIntensity: new Float32Array(memes.map((m) => m.intensity)),
    variation: variationConstants(s, layout),
    groupOf, groupIdentity, groupContent, groupContentSize,
    patternContent, patternSize: new Int32Array(s.patterns.map((p) => Object.keys(p.beliefs).length))
  }
}

/** The kernel's view of meme evolution: slots, forgetting and the mutation operator (all zero without it). */
const variationConstants = (s: Scenario, layout: Layout): VariationConstants => {
  const v = s.evolution.memes
  const sd = new Float32Array(TRAITS)
  const min = new Float32Array(TRAITS)
  const max = new Float32Array(TRAITS)
  if (v) {
    MEME_TRAITS.forEach((name, t) => (sd[t] = v.mutation.sd[name]))
    max.set([v.mutation.maxIntensity, v.mutation.maxLoad, 1, 1, 1, 3.4e38])
    min[Trait.tag] = -3.4e38
  }
  return {
    K: layout.K, forget: v?.forget ?? 0, rate: v?.mutation.rate ?? 0,
    flip: v?.mutation.flip ?? 0, drop: v?.mutation.drop ?? 0, add: v?.mutation.add ?? 0,
    sd, min, max
  }
}

/**
 * Gives every agent a new random stream, from `seed` and the tick a run is forked at (so branches of one run from
 * one tick differ by seed only, and differ from a fresh run with that seed).
 */
export const reseedAgents = (w: World, seed: number, tick: number): void =>
  seedStreams(w.state.rng, w.constants.n, seed, (AGENT_SALT ^ FORK_SALT ^ Math.imul(tick, 0x9e3779b1)) >>> 0)

/**
 * Draws the initial state — beliefs, couplings (shared prior + noise), dispositions, energy — with `draw` (all agents
 * on this thread unless the caller splits them over threads), then imprints the patterns.
 */
const initialise = (w: World, draw: (plan: DrawPlan) => void): void => {
  const { scenario: s, constants: c, state } = w
  const declared = s.beliefs
  for (let a = 0; a < c.B; a++) state.truth[a] = w.beliefs[a].kind === "factual" ? (declared[a]?.truth ?? 1) : 0
  draw(drawPlan(w))
  imprintPatterns(w)
}

/** What drawing the agents needs, from the world. */
const drawPlan = (w: World): DrawPlan => {
  const { scenario: s, constants: c, state } = w
  const declared = s.beliefs
  const beliefs = Array.from({ length: c.B }, (_, a) => a)
  return {
    n: c.n, B: c.B, P: c.P, seed: s.seed, salt: AGENT_SALT, wMax: c.wMax, hStride: c.hStride,
    hNoise: s.prior.hNoise, noise: s.prior.noise,
    init: Float64Array.from(beliefs, (a) => declared[a]?.init ?? 0),
    h: Float64Array.from(beliefs, (a) => declared[a]?.h ?? 0),
    identityOf: Int32Array.from(beliefs, (a) => c.groupIdentity.indexOf(a)),
    prior: sharedPrior(w),
    groupOf: c.groupOf,
    groupRest: Float64Array.from(s.groups, (g) => g.restEnergy ?? s.energy.rest),
    rest: s.energy.rest,
    initialEnergy: s.energy.initial ?? NaN,
    observeRate: s.evidence.rate,
    out: {
      rng: state.rng, spins: state.spins, dispositions: state.dispositions, couplings: state.couplings,
      rest: state.rest, energy: state.energy, observeRate: state.observeRate
    }
  }
}

/** The shared cultural prior: explicit edges, else a random symmetric coupling per pair (same for everyone). */
const sharedPrior = (w: World): Float64Array => {
  const { scenario: s, constants: c } = w
  const prior = new Float64Array(c.P)
  if (s.prior.sd > 0) {
    const rand = makeStream(s.seed, PRIOR_SALT)
    for (let k = 0; k < c.P; k++) {
      const u = 1 - rand()
      prior[k] = clamp(s.prior.sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand()), c.wMax)
    }
  }
  for (const e of s.prior.edges) {
    const a = w.beliefIndex.get(e.a)!
    const b = w.beliefIndex.get(e.b)!
    prior[c.pairIndex[a * c.B + b]] = e.w
  }
  return prior
}

/** Negative attractors: W_ab += strength·wMax·p_a p_b, beliefs set to the pattern, low rest and withdrawal. */
const imprintPatterns = (w: World): void => {
  const { scenario: s, constants: c, state } = w
  const { B, P } = c
  s.patterns.forEach((p, k) => {
    const ctx = { graph: w.graph, topology: w.topology, seed: s.seed, file: w.file }
    for (const i of resolveTargets(p.target, ctx, PATTERN_SALT + k, `patterns[${k}].target`)) {
      for (let a = 0; a < B; a++) {
        const pa = c.patternContent[k * B + a]
        if (pa === 0) continue
        state.spins[i * B + a] = pa
        for (let b = a + 1; b < B; b++) {
          const pb = c.patternContent[k * B + b]
          if (pb === 0) continue
          const at = i * P + c.pairIndex[a * B + b]
          state.couplings[at] = clamp(state.couplings[at] + p.strength * c.wMax * pa * pb, c.wMax)
        }
      }
      if (p.restEnergy !== undefined) state.rest[i] = state.energy[i] = p.restEnergy
      if (p.observe !== undefined) state.observeRate[i] = p.observe
    }
  })
}

const clamp = (v: number, max: number): number => (v > max ? max : v < -max ? -max : v)

export type { AgentState, Inputs, Topology }
