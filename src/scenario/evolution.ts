// The `evolution` section of a scenario: meme variation (memes that mutate when they are transmitted) and
// ritual evolution (groups that imitate more successful groups' rituals). Both are off unless declared.
import { Effect, Schema } from "effect"
import { num, param, Probability, section } from "./fields.js"

/** The heritable traits of a meme variant, in table order (src/model/evolution/variants.ts `Trait`). */
export const MEME_TRAITS = ["intensity", "load", "transmissibility", "decay", "threshold", "tag"] as const
export type MemeTrait = (typeof MEME_TRAITS)[number]

const TraitSd = Schema.Struct({
  intensity: param(0.1, "sd of the change of intensity alpha", { min: 0 }),
  load: param(0.05, "sd of the change of semantic load mu", { min: 0 }),
  transmissibility: param(0.02, "sd of the change of transmissibility beta", { min: 0 }),
  decay: param(0.01, "sd of the change of salience decay delta", { min: 0 }),
  threshold: param(0, "sd of the change of the hosting threshold", { min: 0 }),
  tag: param(0, "sd of the change of the neutral tag, a trait that acts on nothing (the control for selection)", { min: 0 })
})

const MemeMutation = Schema.Struct({
  rate: Probability(0.01, "chance that a successful transmission (to a new carrier, or a refresh) leaves the receiver a new variant instead of a copy"),
  flip: Probability(0, "per asserted belief of a new variant: chance its sign flips"),
  drop: Probability(0, "per asserted belief: chance it is no longer asserted (a variant keeps at least one)"),
  add: Probability(0, "per unasserted belief: chance it becomes asserted, with a random sign"),
  sd: section(TraitSd, "per-trait sd of the Gaussian change at a mutation (the result is clamped to the trait's range)"),
  maxIntensity: param(5, "upper bound of a variant's intensity", { above: 0 }),
  maxLoad: param(3, "upper bound of a variant's load", { above: 0 })
})

export const MemeEvolutionSpec = Schema.Struct({
  capacity: param(4096, "rows of the variant table (live variants, founders included); when it is full a mutation gives a faithful copy", {
    int: true, min: 1, max: 1 << 20
  }),
  slots: param(4, "variants one agent can carry at once", { int: true, min: 1, max: 64 }),
  forget: param(0.05, "a carried variant whose salience falls below this leaves its slot", { above: 0, max: 1 }),
  mutation: section(MemeMutation, "how a transmission varies the copy")
})

export const RitualEvolutionSpec = Schema.Struct({
  every: param(10, "ticks between rounds of ritual imitation", { int: true, min: 1 }),
  rate: Probability(0.1, "chance per group per round of imitating the ritual of a more successful group"),
  success: Schema.Literals(["attachment", "growth"]).annotate({
    description: "what makes a group successful: its members' mean attachment, or its relative growth since the last round (only with migration)"
  }).pipe(Schema.withDecodingDefaultKey(Effect.succeed("attachment" as const))),
  mutation: section(
    Schema.Struct({
      period: param(1, "sd of the change of a ritual's period in ticks (rounded, at least 1)", { min: 0 }),
      alpha: param(0.1, "sd of the change of a ritual's intensity alpha (the result is at least 0)", { min: 0 }),
      duration: param(0.5, "sd of the change of a ritual's duration in ticks (rounded, 1..period)", { min: 0 }),
      flip: Probability(0, "per asserted belief of the ritual's content: chance its sign flips"),
      drop: Probability(0, "per asserted belief: chance it is dropped"),
      add: Probability(0, "per unasserted belief: chance it is added with a random sign")
    }),
    "how an imitated ritual varies"
  ),
  migration: Schema.optionalKey(
    Schema.Struct({
      threshold: num({}).annotate({ description: "members whose attachment (-1..1) is below this may leave their group" }),
      rate: Probability(0.05, "chance per round that such a member joins the group with a ritual most common among its neighbours outside its group")
    }).annotate({ description: "agents leave a group they are no longer attached to for a neighbour's group" })
  )
})

export const EvolutionSpec = Schema.Struct({
  memes: Schema.optionalKey(MemeEvolutionSpec.annotate({
    description: "meme variation: declared memes are the founders; transmissions can make new variants (docs/EVOLUTION.md)"
  })),
  rituals: Schema.optionalKey(RitualEvolutionSpec.annotate({
    description: "ritual evolution: each group's ritual is a heritable trait copied from more successful groups"
  }))
})

export type MemeEvolution = typeof MemeEvolutionSpec.Type
export type RitualEvolution = typeof RitualEvolutionSpec.Type
