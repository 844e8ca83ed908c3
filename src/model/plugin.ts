// What a plugin is: per-agent state, rules over index ranges, model steps, reporters and intervention kinds,
// declared with `definePlugin`. Pure, like the rest of the model: loading modules lives in ../run/plugins.ts.
import type { Schema } from "effect"
import type { Topology } from "./graph/topology.js"
import type { InterventionKind } from "./interventions/kind.js"
import type { KernelData } from "./kernel.js"
import { nextUniform } from "./rng.js"
import { alloc } from "./graph/topology.js"
import type { AgentState, Inputs } from "./state.js"
import type { World } from "./world.js"

/** Element types of per-agent plugin state, and the typed array each one is. */
export const elementTypes = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array
} as const
export type ElementType = keyof typeof elementTypes
export type StateArray = InstanceType<(typeof elementTypes)[ElementType]>

/** Per-agent arrays by name: `{ trait: "int8" }` gives `state.trait`, an Int8Array of one value per agent. */
export type StateSpec = Readonly<Record<string, ElementType>>
export type PluginState<S extends StateSpec> = { readonly [K in keyof S]: InstanceType<(typeof elementTypes)[S[K]]> }

/** What rules see, on whichever thread runs them: the plugin's options and state, the graph and agent i's stream. */
export interface RuleContext<O = unknown, S extends StateSpec = StateSpec> {
  readonly options: O
  readonly state: PluginState<S>
  readonly n: number
  /** CSR graph: neighbours of i are neighbours[offsets[i]..offsets[i+1]); colour classes are order[classStart[k]..) */
  readonly topology: Topology
  /** the built-in agent state and this tick's inputs (read them; write only the plugin's own state) */
  readonly agents: AgentState
  readonly inputs: Inputs
  /** the next uniform in [0,1) from agent i's own stream: the only randomness a rule may use for agent i */
  random(i: number): number
}

/** What runs on the main thread (init, steps, reporters) sees in addition: the whole world. */
export interface PluginContext<O = unknown, S extends StateSpec = StateSpec> extends RuleContext<O, S> {
  readonly world: World
}

/**
 * A phase run after the built-in ones, over [lo, hi): for `over: "agents"` agent indices 0..n, for
 * `over: "classes"` positions in `topology.order`, once per colour class (no two neighbours in one call, so a rule
 * may read neighbours' plugin state while writing its own agents').
 */
export interface Rule<O = unknown, S extends StateSpec = StateSpec> {
  readonly name: string
  readonly over: "agents" | "classes"
  run(ctx: RuleContext<O, S>, lo: number, hi: number): void
}

/** A metric column: a value per agent, reduced in agent order on the main thread at recorded ticks. */
export interface Reporter<O = unknown, S extends StateSpec = StateSpec> {
  readonly column: string
  value(ctx: PluginContext<O, S>, i: number): number
  readonly reduce: "mean" | "sum"
}

/**
 * How the viewer colours agents by a state array: a colour ramp over [min, max] (values outside are clamped), or
 * one colour per value 0, 1, … named by `categories` (other values are grey).
 */
export type ViewScale = { readonly min: number; readonly max: number } | { readonly categories: ReadonlyArray<string> }

/** The state arrays the viewer may colour agents by, each with its scale. */
export type ViewSpec<S extends StateSpec> = { readonly [K in keyof S]?: ViewScale }

export interface PluginSpec<O, S extends StateSpec> {
  /** a name for columns and messages: letters, digits and _, starting with a letter */
  readonly name: string
  /** the Schema of the plugin's `options` in a scenario (decoded with its defaults, errors named by path) */
  readonly options?: Schema.Decoder<O>
  readonly state?: S
  /** fills the state on the main thread after the world is built (arrays start at zero) */
  init?(ctx: PluginContext<O, S>): void
  readonly rules?: ReadonlyArray<Rule<O, S>>
  /** the model step: on the main thread after every tick; `tick` ticks have run */
  step?(ctx: PluginContext<O, S>, tick: number): void
  readonly reporters?: ReadonlyArray<Reporter<O, S>>
  readonly interventions?: ReadonlyArray<InterventionKind<string, any>>
  /** state arrays the viewer offers as colour modes `<plugin>.<array>` (none when absent); NoInfer: `state` alone types S */
  readonly view?: NoInfer<ViewSpec<S>>
}

/** A plugin: what `definePlugin` returns, branded so a loader can tell it from any other default export. */
export interface Plugin<O = unknown, S extends StateSpec = StateSpec> extends PluginSpec<O, S> {
  readonly [brand]: true
}

// Symbol.for: a plugin built against another copy of Kiln (its own node_modules) is still recognised.
const brand = Symbol.for("kiln/plugin")
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/

export const definePlugin = <O = undefined, const S extends StateSpec = {}>(spec: PluginSpec<O, S>): Plugin<O, S> => {
  if (!NAME.test(spec.name)) throw new Error(`definePlugin: name "${spec.name}" must be letters, digits and _, starting with a letter`)
  for (const key of Object.keys(spec.state ?? {})) {
    if (!NAME.test(key)) throw new Error(`definePlugin(${spec.name}): state "${key}" must be letters, digits and _`)
    if (!(spec.state![key] in elementTypes)) {
      throw new Error(`definePlugin(${spec.name}): state "${key}" has type "${spec.state![key]}"; expected one of ${Object.keys(elementTypes).join(", ")}`)
    }
  }
  checkView(spec)
  return { ...spec, [brand]: true }
}

/** Each viewable array must be one of the plugin's state arrays, with a scale the viewer can draw. */
const checkView = (spec: { readonly name: string; readonly state?: StateSpec; readonly view?: object }): void => {
  if (spec.view !== undefined && (typeof spec.view !== "object" || spec.view === null || Array.isArray(spec.view))) {
    throw new Error(`definePlugin(${spec.name}): view must be an object of state array names, e.g. { trait: { categories: ["0", "1"] } }`)
  }
  const arrays = Object.keys(spec.state ?? {})
  for (const [key, scale] of Object.entries(spec.view ?? {})) {
    if (!arrays.includes(key)) {
      throw new Error(`definePlugin(${spec.name}): view "${key}" is not one of its state arrays (${arrays.join(", ") || "it declares none"})`)
    }
    if (!isViewScale(scale)) {
      throw new Error(`definePlugin(${spec.name}): view "${key}" must be { min, max } with finite min < max (a colour scale) or ` +
        `{ categories: ["name of 0", "name of 1", …] } (a colour per value); got ${JSON.stringify(scale)}`)
    }
  }
}

const isViewScale = (x: unknown): x is ViewScale => {
  if (typeof x !== "object" || x === null) return false
  const { min, max, categories } = x as { min?: unknown; max?: unknown; categories?: unknown }
  if (categories !== undefined) {
    return min === undefined && max === undefined && Array.isArray(categories) && categories.length > 0 && categories.every((c) => typeof c === "string")
  }
  return typeof min === "number" && typeof max === "number" && Number.isFinite(min) && Number.isFinite(max) && min < max
}

export const isPlugin = (x: unknown): x is Plugin => typeof x === "object" && x !== null && (x as Plugin)[brand] === true

/** A plugin in a world: its module's URL (for workers), its options (as written and decoded) and its arrays. */
export interface PluginInstance {
  readonly plugin: Plugin
  readonly url: string
  readonly raw: unknown
  readonly options: unknown
  readonly state: Readonly<Record<string, StateArray>>
}

/** A plugin loaded with its options, before a world gives it state. */
export type LoadedPlugin = Omit<PluginInstance, "state">

/** Zero-filled state arrays of n agents (shared with worker threads when `shared`). */
export const allocPluginState = (p: Plugin, n: number, shared: boolean): Record<string, StateArray> =>
  Object.fromEntries(Object.entries(p.state ?? {}).map(([k, t]) => [k, alloc(elementTypes[t] as typeof Float64Array, n, shared) as StateArray]))

/** The context rules of `p` run with on a thread holding `data`. */
export const ruleContext = (p: Pick<PluginInstance, "options" | "state">, data: KernelData): RuleContext => {
  const rng = data.state.rng
  return {
    options: p.options,
    state: p.state,
    n: data.constants.n,
    topology: data.topology,
    agents: data.state,
    inputs: data.inputs,
    random: (i) => nextUniform(rng, i)
  }
}

export const pluginContext = (p: PluginInstance, w: World): PluginContext => ({ ...ruleContext(p, w), world: w })

/** A rule bound to its context: the phase body the engine and the workers call. */
export type BoundRule = (lo: number, hi: number) => void

/** Every plugin's rules in declaration order, bound to contexts on this thread. */
export const bindRules = (plugins: ReadonlyArray<Pick<PluginInstance, "plugin" | "options" | "state">>, data: KernelData): BoundRule[] =>
  plugins.flatMap((p) => {
    const ctx = ruleContext(p, data)
    return (p.plugin.rules ?? []).map((r) => (lo: number, hi: number) => r.run(ctx, lo, hi))
  })

/** The metric columns plugins add, after the built-in ones. */
export const reporterColumns = (plugins: ReadonlyArray<Pick<PluginInstance, "plugin">>): string[] =>
  plugins.flatMap((p) => (p.plugin.reporters ?? []).map((r) => r.column))

/** Each reporter's value, reduced in agent order (so independent of threads). */
export const report = (w: World): number[] =>
  w.plugins.flatMap((p) => {
    const ctx = pluginContext(p, w)
    return (p.plugin.reporters ?? []).map((r) => {
      let sum = 0
      for (let i = 0; i < w.constants.n; i++) sum += r.value(ctx, i)
      return r.reduce === "mean" ? sum / w.constants.n : sum
    })
  })

/** A model step per plugin that has one, bound to the world. */
export const bindSteps = (w: World): Array<(tick: number) => void> =>
  w.plugins.flatMap((p) => {
    const step = p.plugin.step
    if (!step) return []
    const ctx = pluginContext(p, w)
    return [(tick: number) => step(ctx, tick)]
  })

/** The state arrays as agents.parquet columns `<plugin>_<name>`, with their DuckDB types. */
export const stateColumns = (plugins: ReadonlyArray<PluginInstance>): Array<{ name: string; type: string; values: StateArray }> =>
  plugins.flatMap((p) =>
    Object.entries(p.plugin.state ?? {}).map(([k, t]) => ({ name: `${p.plugin.name}_${k}`, type: duckType[t], values: p.state[k] }))
  )

/** The state arrays the viewer colours agents by: plugins in scenario order, each one's `view` in declaration order. */
export const viewedArrays = (plugins: ReadonlyArray<PluginInstance>): Array<{ plugin: string; array: string; scale: ViewScale; values: StateArray }> =>
  plugins.flatMap((p) =>
    Object.entries(p.plugin.view ?? {}).map(([k, scale]) => ({ plugin: p.plugin.name, array: k, scale: scale as ViewScale, values: p.state[k] }))
  )

const duckType: Record<ElementType, string> = {
  int8: "TINYINT", uint8: "UTINYINT", int16: "SMALLINT", int32: "INTEGER", float32: "DOUBLE", float64: "DOUBLE"
}
