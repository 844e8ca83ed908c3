// The scenario file format: one Effect Schema that decodes, fills defaults and documents every parameter.
// Every field's default, unit and range live here and nowhere else; docs/MODEL.md explains what they mean.
import { Effect, Schema } from "effect"
import { MAX_SEED } from "../rng.js"

type Range = { readonly min?: number; readonly max?: number; readonly above?: number; readonly int?: boolean }

/** A finite number with a range; `int` makes it an integer. */
const num = (r: Range = {}) => {
  let s: Schema.Codec<number> = r.int ? Schema.Int : Schema.Finite
  if (r.min !== undefined) s = s.check(Schema.isGreaterThanOrEqualTo(r.min))
  if (r.above !== undefined) s = s.check(Schema.isGreaterThan(r.above))
  if (r.max !== undefined) s = s.check(Schema.isLessThanOrEqualTo(r.max))
  return s
}

/** A documented parameter with its default. */
const param = (fallback: number, description: string, r: Range = {}) =>
  num(r).annotate({ description: `${description} (default ${fallback})` }).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(fallback))
  )

const bool = (fallback: boolean, description: string) =>
  Schema.Boolean.annotate({ description }).pipe(Schema.withDecodingDefaultKey(Effect.succeed(fallback)))

const section = <S extends Schema.Top>(schema: S, description: string) =>
  (schema as any).annotate({ description }).pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))) as S

const Sign = Schema.Literals([-1, 1])
/** Content over named beliefs: `{ "belief": +1 | -1 }`. Names are checked against `beliefs` after decoding. */
const Content = Schema.Record(Schema.String, Sign).annotate({
  description: "Values asserted for named beliefs: { beliefName: 1 | -1 }"
})
const optionalContent = Content.pipe(Schema.withDecodingDefaultKey(Effect.succeed({})))
const Probability = (fallback: number, description: string) => param(fallback, description, { min: 0, max: 1 })
const Count = (description: string, min = 1) => num({ int: true, min }).annotate({ description })

// ---------------------------------------------------------------- graph

const Weights = Schema.Struct({
  mean: param(1, "mean edge weight", {}),
  sd: param(0, "standard deviation of edge weights (Gaussian)", { min: 0 }),
  scale: Schema.Literals(["none", "sqrtN"]).annotate({
    description: "divide drawn weights by sqrt(N) (\"sqrtN\": the SK spin glass scaling)"
  }).pipe(Schema.withDecodingDefaultKey(Effect.succeed("none" as const)))
})

const GroupNames = Schema.Array(Schema.String).check(Schema.isMinLength(1)).annotate({
  description: "group names assigned round-robin to caves/blocks (default: one unnamed group per cave/block, no groups)"
})

export const GraphSpec = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("complete"), n: Count("number of agents") }),
  Schema.Struct({
    kind: Schema.Literal("lattice"),
    rows: Count("rows", 2),
    cols: Count("columns", 2),
    periodic: bool(true, "wrap around (torus)")
  }),
  Schema.Struct({
    kind: Schema.Literal("erdosRenyi"),
    n: Count("number of agents"),
    p: num({ min: 0, max: 1 }).annotate({ description: "edge probability" })
  }),
  Schema.Struct({
    kind: Schema.Literal("wattsStrogatz"),
    n: Count("number of agents", 3),
    k: Count("ring neighbours (even)", 2),
    beta: num({ min: 0, max: 1 }).annotate({ description: "rewiring probability" })
  }),
  Schema.Struct({
    kind: Schema.Literal("barabasiAlbert"),
    n: Count("number of agents", 2),
    m: Count("edges per new agent")
  }),
  Schema.Struct({
    kind: Schema.Literal("stochasticBlock"),
    sizes: Schema.Array(Count("block size")).check(Schema.isMinLength(1)),
    pIn: num({ min: 0, max: 1 }).annotate({ description: "edge probability inside a block" }),
    pOut: num({ min: 0, max: 1 }).annotate({ description: "edge probability between blocks" }),
    groups: Schema.optionalKey(GroupNames)
  }),
  Schema.Struct({
    kind: Schema.Literal("connectedCaveman"),
    caves: Count("number of villages", 2),
    size: Count("agents per village (a village's first edge closes the ring, so at least 3)", 3),
    rewire: Probability(0, "probability of rewiring each edge"),
    groups: Schema.optionalKey(GroupNames)
  }),
  Schema.Struct({
    kind: Schema.Literal("file"),
    path: Schema.String.annotate({
      description: "graph file relative to the scenario: .json (graphology), .gexf, .graphml or .csv (source,target[,weight])"
    })
  })
])

// ---------------------------------------------------------------- beliefs, groups, memes, patterns

export const BeliefSpec = Schema.Struct({
  name: Schema.String.check(Schema.isNonEmpty()),
  kind: Schema.Literals(["value", "factual", "identity"]).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed("value" as const))
  ),
  truth: Schema.optionalKey(Sign.annotate({ description: "the environment's truth (factual beliefs only)" })),
  init: param(0, "initial mean of the belief over agents", { min: -1, max: 1 }),
  h: param(0, "disposition (field) toward +1", {}),
  expressed: bool(true, "socially expressed: neighbours see it and conformity acts on it")
})

export const GroupSpec = Schema.Struct({
  name: Schema.String.check(Schema.isNonEmpty()),
  identity: Schema.optionalKey(Schema.String.annotate({ description: "identity belief (default member:<name>)" })),
  content: optionalContent,
  restEnergy: Schema.optionalKey(num({ min: 0 }).annotate({ description: "resting energy of members" }))
})

export const MemeSpec = Schema.Struct({
  name: Schema.String.check(Schema.isNonEmpty()),
  content: Content,
  load: param(0.5, "semantic load mu: field per unit salience", { min: 0 }),
  intensity: param(0, "intensity alpha: energy paid per unit rise of salience", { min: 0 }),
  transmissibility: Probability(0.2, "beta: chance per hosting neighbour per tick of refreshing salience"),
  threshold: Probability(1, "hosting threshold: share of the content an agent must hold"),
  decay: Probability(0.1, "salience decay per tick without refresh")
})

export const Target = Schema.Union([
  Schema.Literal("all"),
  Schema.Struct({ group: Schema.String }),
  Schema.Struct({ ids: Schema.Array(Schema.Union([Schema.String, Schema.Number])) }),
  Schema.Struct({ fraction: num({ min: 0, max: 1 }) }),
  Schema.Struct({ topDegree: num({ int: true, min: 0 }) })
]).annotate({ description: "\"all\" | {group} | {ids} | {fraction} (random, from the seed) | {topDegree}" })
const targetField = Target.pipe(Schema.withDecodingDefaultKey(Effect.succeed("all" as const)))

export const PatternSpec = Schema.Struct({
  name: Schema.String.check(Schema.isNonEmpty()),
  beliefs: Content,
  target: targetField,
  strength: param(0.8, "imprint strength as a share of wMax", { min: 0, max: 1 }),
  restEnergy: Schema.optionalKey(num({ min: 0 }).annotate({ description: "resting energy of affected agents" })),
  observe: Schema.optionalKey(
    num({ min: 0, max: 1 }).annotate({ description: "observation rate of affected agents (withdrawal)" })
  )
})

// ---------------------------------------------------------------- interventions

const timing = {
  target: targetField,
  start: param(0, "first tick", { int: true, min: 0 }),
  duration: param(1, "ticks per occurrence", { int: true, min: 1 }),
  every: Schema.optionalKey(Count("repeat period in ticks")),
  until: Schema.optionalKey(num({ int: true, min: 0 }).annotate({ description: "no occurrence starts at or after this tick" }))
}

const strength = param(1, "field strength of the content", { min: 0 })

export const InterventionSpec = Schema.Union([
  Schema.Struct({
    kind: Schema.Literal("ritual"),
    ...timing,
    group: Schema.optionalKey(Schema.String.annotate({ description: "the group whose attendance sets sync" })),
    content: optionalContent,
    strength,
    alpha: param(1, "energy per tick at full synchrony", { min: 0 }),
    bond: param(0.5, "conformity multiplier among co-participants is 1 + bond", { min: 0 }),
    attendance: Probability(1, "chance each targeted agent attends a given tick")
  }),
  Schema.Struct({
    kind: Schema.Literal("meditation"),
    ...timing,
    variant: Schema.Literals(["concentration", "metta"]).pipe(
      Schema.withDecodingDefaultKey(Effect.succeed("concentration" as const))
    ),
    depth: Probability(0.8, "cooling is multiplied by 1 - depth"),
    sensory: param(0.2, "content-free energy input per tick", { min: 0 }),
    content: optionalContent,
    strength,
    valence: param(0, "valence energy source nu (metta)", { min: 0 })
  }),
  Schema.Struct({
    kind: Schema.Literal("psychedelic"),
    ...timing,
    dose: param(3, "energy added at onset", { min: 0 }),
    volatility: param(0.5, "sd of the random field per belief per tick", { min: 0 }),
    complexityBias: param(0, "kappa_c: >0 flattens the coupling spectrum, <0 sharpens it", { min: -1, max: 1 }),
    content: optionalContent,
    strength
  }),
  Schema.Struct({
    kind: Schema.Literal("sinks"),
    ...timing,
    load: param(1, "extra cooling: gamma is multiplied by 1 + load", { min: 0 })
  }),
  Schema.Struct({
    kind: Schema.Literal("sleep"),
    ...timing,
    cycle: param(24, "ticks per day", { int: true, min: 1 }),
    nrem: param(4, "nREM ticks per day", { int: true, min: 0 }),
    rem: param(2, "REM ticks per day (after nREM)", { int: true, min: 0 }),
    energy: param(0.5, "energy input per sleeping tick", { min: 0 }),
    housekeeping: Probability(0.05, "rho: nREM shrinks W by rho * plasticity"),
    volatility: param(0.5, "sd of REM random fields", { min: 0 })
  }),
  Schema.Struct({
    kind: Schema.Literal("fieldAnnealing"),
    ...timing,
    heat: param(1, "extra temperature on dissonant beliefs and couplings", { min: 0 }),
    consonance: param(0.2, "gentle field toward each belief's internal coherent value", { min: 0 })
  }),
  Schema.Struct({
    kind: Schema.Literal("seedMeme"),
    ...timing,
    meme: Schema.String
  }),
  Schema.Struct({
    kind: Schema.Literal("shock"),
    ...timing,
    flip: Schema.Array(Schema.String).annotate({ description: "factual beliefs whose truth flips at onset" }).pipe(
      Schema.withDecodingDefaultKey(Effect.succeed([]))
    ),
    surprise: param(0, "energy input per tick (travel, a convention)", { min: 0 })
  })
])

// ---------------------------------------------------------------- the scenario

const PriorEdge = Schema.Struct({ a: Schema.String, b: Schema.String, w: num() })

export const ScenarioSpec = Schema.Struct({
  $schema: Schema.optionalKey(Schema.String),
  name: Schema.String.check(Schema.isNonEmpty()).annotate({ description: "scenario name (output folder prefix)" }),
  description: Schema.optionalKey(Schema.String),
  seed: param(1, "random seed, 0..4294967295", { int: true, min: 0, max: MAX_SEED }),
  ticks: param(200, "ticks to run", { int: true, min: 0 }),
  recordEvery: param(1, "record metrics every N ticks", { int: true, min: 1 }),
  sweeps: param(1, "belief sweeps per tick", { int: true, min: 1 }),
  graph: GraphSpec,
  weights: section(Weights, "edge weight distribution for generated graphs and for graph files without weights"),
  beliefs: Schema.Array(BeliefSpec).check(Schema.isMinLength(1)),
  groups: Schema.Array(GroupSpec).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  prior: section(
    Schema.Struct({
      edges: Schema.Array(PriorEdge).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
      sd: param(0, "sd of a random shared prior coupling per pair", { min: 0 }),
      noise: param(0.1, "sd of per-agent noise on couplings", { min: 0 }),
      hNoise: param(0, "sd of per-agent noise on dispositions", { min: 0 })
    }),
    "the shared cultural prior of belief networks"
  ),
  energy: section(
    Schema.Struct({
      tau0: param(0, "base temperature: T = tau0 + energy", { min: 0 }),
      rest: param(0.2, "resting energy", { min: 0 }),
      initial: Schema.optionalKey(num({ min: 0 }).annotate({ description: "initial energy (default: resting)" })),
      max: param(10, "energy ceiling", { above: 0 }),
      gamma: param(0.1, "cooling rate gamma0 per tick", { min: 0, max: 1 }),
      surprise: param(0.5, "sigma: energy per unit prediction error", { min: 0 }),
      valence: param(0, "nu: energy per unit positive valence", { min: 0 })
    }),
    "energy dynamics"
  ),
  plasticity: section(
    Schema.Struct({
      theta: param(1, "energy below which the network is rigid", { min: 0 }),
      saturation: param(3, "energy at which plasticity is 1", {}),
      eta: param(0.05, "Hebbian rate", { min: 0, max: 1 }),
      wMax: param(1, "coupling bound", { above: 0 })
    }),
    "reorganisation of belief networks"
  ),
  social: section(
    Schema.Struct({ conformity: param(1, "lambda: weight of neighbours' expressed beliefs", {}) }),
    "social influence"
  ),
  evidence: section(
    Schema.Struct({
      gain: param(1, "kappa: field of an observation of a factual belief", { min: 0 }),
      noise: Probability(0.1, "q: chance an observation shows the opposite of the truth"),
      rate: Probability(1, "chance per tick per factual belief of observing it")
    }),
    "sensory evidence on factual beliefs"
  ),
  memes: Schema.Array(MemeSpec).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  patterns: Schema.Array(PatternSpec).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  interventions: Schema.Array(InterventionSpec).pipe(Schema.withDecodingDefaultKey(Effect.succeed([])))
})

export type Scenario = typeof ScenarioSpec.Type
export type ScenarioInput = typeof ScenarioSpec.Encoded
export type Intervention = typeof InterventionSpec.Type
export type TargetSpec = typeof Target.Type
export type GraphSpecT = typeof GraphSpec.Type
