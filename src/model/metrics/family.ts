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

/**
 * One column, or one per item (`each`) or per pair of items (`each: [a, b]`, the first varying slowest), named
 * from the items; its value comes from the family's accumulator.
 */
export type Column<A> =
  | { readonly name: string; readonly doc: string; readonly value: (a: A) => number }
  | EachColumn<A>

export interface EachColumn<A> {
  readonly each: Item | readonly [Item, Item]
  readonly name: (...items: string[]) => string
  readonly doc: string
  readonly values: (a: A) => ArrayLike<number>
}

/** The names of an `each` column's columns, in order. */
export const eachNames = (col: EachColumn<unknown>, c: ColumnContext): string[] => {
  if (typeof col.each === "string") return items[col.each](c).map((x) => col.name(x))
  const [first, second] = col.each
  return items[first](c).flatMap((x) => items[second](c).map((y) => col.name(x, y)))
}

/** How many columns an `each` column stands for (without building their names: reduce runs at every record). */
export const eachCount = (col: EachColumn<unknown>, c: ColumnContext): number =>
  typeof col.each === "string" ? items[col.each](c).length : items[col.each[0]](c).length * items[col.each[1]](c).length

/** An `each` column's name with its items as placeholders, for the docs: `share_<meme>`, `group_<group>_share_<meme>`. */
export const placeholderName = (col: EachColumn<unknown>): string =>
  typeof col.each === "string" ? col.name(`<${col.each}>`) : col.name(`<${col.each[0]}>`, `<${col.each[1]}>`)

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
