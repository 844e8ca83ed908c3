// What an intervention kind is: its schema member, its reference checks, its effect on the inputs, its doc line.
// Every kind, built-in or not, is one value of this shape; ./index.ts lists the built-ins.
import { Schema } from "effect"
import { timing } from "../../scenario/fields.js"
import type { Scenario } from "../../scenario/schema.js"
import type { World } from "../world.js"

/** The schema member of kind K: `kind`, the shared timing fields (../scenario/fields.ts), then the kind's own. */
export type Member<K extends string, F extends Schema.Struct.Fields> = Schema.Struct<
  { readonly kind: Schema.Literal<K> } & typeof timing & F
>

/** Sets one active intervention's inputs for tick t; `phase` is the tick inside the occurrence (0 = onset). */
export type Apply = (t: number, phase: number) => void

/** An effect that keeps its own schedule instead of the timing fields' (an evolving ritual's period changes). */
export interface Scheduled {
  readonly apply: Apply
  /** tick t's phase inside an occurrence (-1: inactive); the timeline asks once per tick, in tick order */
  readonly phaseAt: (t: number) => number
}

/** What an intervention is set up with, once per run: the world, its resolved targets and its index. */
export interface Setup {
  readonly world: World
  readonly agents: Int32Array
  readonly k: number
}

/** Cross-reference checks a kind can use after decoding (scenario/load.ts); each throws an InputError. */
export interface References {
  readonly scenario: Scenario
  readonly fail: (path: string, message: string) => never
  readonly group: (name: string, path: string) => void
}

/** One row of docs/MODEL.md §9: the kind's parameters with defaults, and its effect while active. */
export interface KindDoc {
  readonly parameters: string
  readonly effect: string
}

export interface InterventionKind<K extends string = string, F extends Schema.Struct.Fields = Schema.Struct.Fields> {
  readonly kind: K
  readonly schema: Member<K, F>
  readonly doc: KindDoc
  /** Checks what the schema alone cannot (names of beliefs, groups, memes; constraints between fields). */
  readonly check?: (iv: Member<K, F>["Type"], at: string, refs: References) => void
  /** Precomputes what the kind needs (indices, scratch) and returns its per-tick effect (with its own schedule). */
  readonly setup: (iv: Member<K, F>["Type"], on: Setup) => Apply | Scheduled
}

/** Declares a kind from its own fields; the schema member gets `kind` and the timing fields in front. */
export const defineIntervention = <const K extends string, const F extends Schema.Struct.Fields>(def: {
  readonly kind: K
  readonly fields: F
  readonly doc: KindDoc
  readonly check?: (iv: Member<K, F>["Type"], at: string, refs: References) => void
  readonly setup: (iv: Member<K, F>["Type"], on: Setup) => Apply | Scheduled
}): InterventionKind<K, F> => ({
  kind: def.kind,
  schema: Schema.Struct({ kind: Schema.Literal(def.kind), ...timing, ...def.fields }) as Member<K, F>,
  doc: def.doc,
  ...(def.check ? { check: def.check } : {}),
  setup: def.setup
})
