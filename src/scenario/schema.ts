// The scenario file format: one Effect Schema that decodes, fills defaults and documents every parameter.
// Every field's default, unit and range live here, in ./fields.ts or in the intervention kind's file, and nowhere
// else; docs/MODEL.md explains what they mean.
import { Effect, Schema } from "effect"
import { interventionSchemas, type ExtraKinds } from "../model/interventions/index.js"
import { MAX_SEED } from "../model/rng.js"
import { EvolutionSpec } from "./evolution.js"
import { bool, Content, Count, num, optionalContent, param, Probability, section, Sign, Target, targetField } from "./fields.js"

export { Target } from "./fields.js"

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

/** One member per intervention kind, built from the registry in ../interventions/index.ts. */
export const InterventionSpec = Schema.Union(interventionSchemas)

// ---------------------------------------------------------------- plugins

export const PluginRef = Schema.Struct({
  module: Schema.String.check(Schema.isNonEmpty()).annotate({
    description: "the plugin's ES module (.js or .mjs), relative to the scenario file, or a file: URL"
  }),
  options: Schema.optionalKey(Schema.Unknown.annotate({ description: "the plugin's options, checked by the plugin's own schema" }))
})

// ---------------------------------------------------------------- the scenario

const PriorEdge = Schema.Struct({ a: Schema.String, b: Schema.String, w: num() })

const scenarioFields = {
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
  evolution: section(EvolutionSpec, "cultural evolution: memes that vary and rituals that are imitated (off unless declared)"),
  interventions: Schema.Array(InterventionSpec).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  plugins: Schema.optionalKey(
    Schema.Array(PluginRef).annotate({ description: "plugins: ES modules adding state, rules, reporters and intervention kinds (docs/PLUGINS.md)" })
  )
}

export const ScenarioSpec = Schema.Struct(scenarioFields)

/** The scenario schema whose interventions may also be of the plugins' kinds (decoded as `Intervention`s). */
export const scenarioSpecWith = (extra: ExtraKinds): typeof ScenarioSpec =>
  extra.length === 0
    ? ScenarioSpec
    : (Schema.Struct({
      ...scenarioFields,
      interventions: Schema.Array(Schema.Union([...interventionSchemas, ...extra.map((k) => k.schema)])).pipe(
        Schema.withDecodingDefaultKey(Effect.succeed([]))
      )
    }) as unknown as typeof ScenarioSpec)

export type Scenario = typeof ScenarioSpec.Type
export type ScenarioInput = typeof ScenarioSpec.Encoded
export type Intervention = typeof InterventionSpec.Type
export type PluginRefSpec = typeof PluginRef.Type
export type TargetSpec = typeof Target.Type
export type GraphSpecT = typeof GraphSpec.Type
