// What a metric family is: the per-agent slots it reads, one pass that accumulates, and its columns, each
// declared once with its name, its doc line and its value, so names, order and values cannot drift apart.
import type { Slot } from "../kernel.js"
import type { World } from "../world.js"
import { MEME_TRAITS } from "../../scenario/evolution.js"

/** A per-agent value the kernel's `measure` writes (src/kernel.ts `Slot`). */
export type SlotName = keyof typeof Slot

/** What column names depend on: the scenario's memes and patterns, the groups and the beliefs. */
export type ColumnContext = Pick<World, "scenario" | "groupNames" | "beliefs">

/** Named things a family can have one column each of, with the placeholder the docs show for the name. */
export const items = {
  meme: (c: ColumnContext) => c.scenario.memes.map((m) => m.name),
  group: (c: ColumnContext) => c.groupNames,
  pattern: (c: ColumnContext) => c.scenario.patterns.map((p) => p.name),
  belief: (c: ColumnContext) => c.beliefs.map((b) => b.name),
  trait: (_c: ColumnContext) => MEME_TRAITS
} as const
export type Item = keyof typeof items

/** What a family's pass reads; `slot` holds only the offsets (within an agent's SLOTS values) it declared. */
export interface Reading<S extends SlotName> {
  readonly w: World
  readonly tick: number
  readonly perAgent: Float64Array
  readonly slot: { readonly [K in S]: number }
}

/** One column, or one per item (`each`), named from the item; its value comes from the family's accumulator. */
export type Column<A> =
  | { readonly name: string; readonly doc: string; readonly value: (a: A) => number }
  | { readonly each: Item; readonly name: (item: string) => string; readonly doc: string; readonly values: (a: A) => ArrayLike<number> }

export interface MetricFamily<A = any, S extends SlotName = SlotName> {
  readonly family: string
  /** when the family's columns exist (always without it), e.g. only when the scenario turns a process on */
  readonly when?: (c: ColumnContext) => boolean
  readonly slots: ReadonlyArray<S>
  /** One pass over the agents, in agent order, so the values never depend on how agents were partitioned. */
  readonly accumulate: (r: Reading<S>) => A
  readonly columns: ReadonlyArray<Column<A>>
}

/** Declares a family; the accumulator's type A links each column's value to the pass that computes it. */
export const defineMetrics = <A, const S extends SlotName = never>(f: MetricFamily<A, S>): MetricFamily<A, S> => f
