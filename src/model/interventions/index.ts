// The registry of intervention kinds, in documentation order. The scenario schema's union, the reference checks,
// the timeline and the table in docs/MODEL.md §9 are all built from this list: a new kind is one file added here.
import type { Intervention } from "../../scenario/schema.js"
import type { Apply, InterventionKind, References, Scheduled, Setup } from "./kind.js"
import { fieldAnnealing } from "./fieldAnnealing.js"
import { meditation } from "./meditation.js"
import { psychedelic } from "./psychedelic.js"
import { ritual } from "./ritual.js"
import { seedMeme } from "./seedMeme.js"
import { shock } from "./shock.js"
import { sinks } from "./sinks.js"
import { sleep } from "./sleep.js"

export {
  defineIntervention, type Apply, type InterventionKind, type KindDoc, type References, type Scheduled, type Setup
} from "./kind.js"

export const interventionKinds = [ritual, meditation, psychedelic, sinks, sleep, fieldAnnealing, seedMeme, shock] as const

type Kinds = typeof interventionKinds
/** The schema members, as a tuple so the union keeps each member's type. */
export const interventionSchemas = interventionKinds.map((e) => e.schema) as unknown as {
  readonly [I in keyof Kinds]: Kinds[I] extends { readonly schema: infer S } ? S : never
}

const byKind = new Map<string, Kinds[number]>(interventionKinds.map((e) => [e.kind, e]))

/** Kinds that plugins add, beside the built-in ones. */
// `any` fields: a plugin's kind has fields this module cannot know.
export type ExtraKinds = ReadonlyArray<InterventionKind<string, any>>

// The decoder only lets through members of this registry and of the plugins' kinds it was built with, so an
// intervention's kind always finds its entry, and that entry's own type is the intervention's type: the casts
// below only tell TypeScript so.
const entryOf = (iv: Intervention, extra: ExtraKinds): ExtraKinds[number] =>
  (byKind.get(iv.kind) as ExtraKinds[number] | undefined) ?? extra.find((k) => k.kind === iv.kind)!

/** Runs the kind's own reference checks on a decoded intervention at path `at`. */
export const checkIntervention = (iv: Intervention, at: string, refs: References, extra: ExtraKinds = []): void =>
  entryOf(iv, extra).check?.(iv as never, at, refs)

/** Sets an intervention up for a run and returns its per-tick effect (with its own schedule, for some). */
export const setupIntervention = (iv: Intervention, on: Setup, extra: ExtraKinds = []): Apply | Scheduled =>
  entryOf(iv, extra).setup(iv as never, on)
