// Loading plugins: resolving a scenario's `plugins[k].module`, importing it, checking it was made by definePlugin,
// decoding its options; and the two-pass read of a scenario whose timeline uses the plugins' intervention kinds.
import { existsSync, readdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Schema } from "effect"
import { InputError } from "../errors.js"
import { bindRules, isPlugin, type BoundRule, type LoadedPlugin, type Plugin } from "../model/plugin.js"
import { applyOverride, decodeScenario, readJsonFile, schemaInputError } from "../scenario/load.js"
import { PluginRef, type PluginRefSpec, type Scenario } from "../scenario/schema.js"
import type { WorkerInit } from "./worker-loop.js"

/** Kiln's library of classic models (src/models/, docs/MODELS.md) is named in scenarios as `kiln:<name>`. */
const LIBRARY = "kiln:"
const libraryDir = new URL("../models/", import.meta.url)

/** The models of the library: compiled (.js) beside the compiled CLI, or the sources (.ts) when run from them. */
export const libraryModels = (): string[] =>
  existsSync(libraryDir)
    ? [...new Set(readdirSync(libraryDir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts")).map((f) => f.replace(/\.(js|ts)$/, "")))].sort()
    : []

const libraryUrl = (name: string): string | undefined => {
  for (const ext of [".js", ".ts"]) {
    const url = new URL(`${name}${ext}`, libraryDir)
    if (/^[a-z][a-z0-9-]*$/.test(name) && existsSync(url)) return url.href
  }
  return undefined
}

/** The module's URL: `kiln:<model>` from the library, a file: URL as given, else a path relative to the scenario file. */
export const pluginUrl = (module: string, file: string): string => {
  if (module.startsWith(LIBRARY)) return libraryUrl(module.slice(LIBRARY.length)) ?? module
  return module.startsWith("file:") ? module : pathToFileURL(resolve(file.startsWith("<") ? "." : dirname(file), module)).href
}

let tsxRegistered = false

/**
 * Imports a module. TypeScript goes through tsx's loader (Node 20 cannot import .ts itself), registered for the
 * whole thread the first time, the same way on the main thread and in worker threads, so a .ts plugin runs
 * unchanged from the compiled CLI. Not tsImport: its scoped loader gives the module its own copy of every package,
 * and an options Schema built with another copy of effect does not decode (checks and defaults fail).
 */
const importModule = async (url: string): Promise<{ default?: unknown }> => {
  if (!/\.(c|m)?tsx?$/.test(url)) return import(url)
  if (!tsxRegistered) {
    // both loaders: a .ts file outside an ES-module package is compiled as CommonJS, and may require ES modules
    const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")])
    esm.register()
    cjs.register()
    tsxRegistered = true
  }
  const mod = (await import(url)) as { default?: unknown }
  // A .ts file outside an ES-module package is compiled as CommonJS: its default export is one level deeper.
  const inner = mod.default as { __esModule?: boolean; default?: unknown } | undefined
  return typeof inner === "object" && inner !== null && inner.__esModule === true ? inner : mod
}

/** Imports a plugin module and returns its default export, or says why it is not a plugin. */
const importPlugin = async (url: string): Promise<Plugin | string> => {
  let mod: { default?: unknown }
  try {
    mod = await importModule(url)
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (err.code === "ERR_MODULE_NOT_FOUND" && err.message.includes(url.replace(/^file:\/\//, ""))) return "file not found"
    return `cannot import it: ${err.name === "SyntaxError" ? "syntax error: " : ""}${err.message}`
  }
  if (mod.default === undefined) return "no default export (write `export default definePlugin({ ... })`)"
  if (!isPlugin(mod.default)) return "its default export was not made by definePlugin (import { definePlugin } from \"kiln/plugin\")"
  return mod.default
}

/** Decodes a plugin's options with its own schema; errors are named `plugins[k].options.<path>`. */
const decodeOptions = (plugin: Plugin, raw: unknown, file: string, k: number): unknown => {
  if (plugin.options === undefined) {
    if (raw !== undefined) throw new InputError({ file, path: `plugins[${k}].options`, message: `plugin "${plugin.name}" takes no options` })
    return undefined
  }
  const r = Schema.decodeUnknownResult(plugin.options as Schema.Decoder<unknown>, { onExcessProperty: "error", errors: "all" })(raw ?? {})
  if (r._tag === "Failure") throw schemaInputError(r.failure.issue, file, ["plugins", k, "options"])
  return r.success
}

/** Loads every plugin a scenario names, in order; a module that is not a plugin is an InputError naming it. */
export const loadPlugins = async (refs: ReadonlyArray<PluginRefSpec>, file: string): Promise<LoadedPlugin[]> => {
  const loaded: LoadedPlugin[] = []
  for (const [k, ref] of refs.entries()) {
    const url = pluginUrl(ref.module, file)
    if (url.startsWith(LIBRARY)) {
      throw new InputError({
        file, path: `plugins[${k}].module`,
        message: `no model "${ref.module.slice(LIBRARY.length)}" in Kiln's library (known: ${libraryModels().map((m) => LIBRARY + m).join(", ") || "none"})`
      })
    }
    const plugin = await importPlugin(url)
    if (typeof plugin === "string") throw new InputError({ file, path: `plugins[${k}].module`, message: `plugin "${ref.module}": ${plugin}` })
    checkUnique(plugin, loaded, file, k)
    loaded.push({ plugin, url, raw: ref.options, options: decodeOptions(plugin, ref.options, file, k) })
  }
  return loaded
}

/** Two plugins of one name would write the same columns. */
const checkUnique = (plugin: Plugin, loaded: ReadonlyArray<LoadedPlugin>, file: string, k: number) => {
  if (loaded.some((p) => p.plugin.name === plugin.name)) {
    throw new InputError({ file, path: `plugins[${k}].module`, message: `a plugin named "${plugin.name}" is already loaded` })
  }
}

const decodeRefs = Schema.decodeUnknownResult(Schema.Struct({ plugins: Schema.optionalKey(Schema.Array(PluginRef)) }))

/** The plugins a parsed scenario names; none when its `plugins` field is malformed (the full decode reports that). */
export const pluginRefsOf = (json: unknown): ReadonlyArray<PluginRefSpec> => {
  const refs = decodeRefs(json)
  return refs._tag === "Success" ? refs.success.plugins ?? [] : []
}

/**
 * Checks a variant of a scenario (a sweep's point) against the plugins loaded for the original: the same modules
 * in the same order, and options each plugin's schema accepts. Errors name `plugins[k]…` in `file`.
 */
export const checkPluginRefs = (refs: ReadonlyArray<PluginRefSpec>, loaded: ReadonlyArray<LoadedPlugin>, file: string): void => {
  if (refs.length !== loaded.length) {
    throw new InputError({ file, path: "plugins", message: `expected the ${loaded.length} plugin(s) of the base scenario, got ${refs.length}: a sweep cannot add or remove plugins` })
  }
  refs.forEach((ref, k) => {
    if (pluginUrl(ref.module, file) !== loaded[k].url) {
      throw new InputError({ file, path: `plugins[${k}].module`, message: `expected the base scenario's module ${loaded[k].url}: a sweep cannot vary plugin modules` })
    }
    decodeOptions(loaded[k].plugin, ref.options, file, k)
  })
}

/**
 * Reads a scenario in two passes: its `plugins` first (loaded), then the whole file, decoded with the plugins'
 * intervention kinds. A scenario without plugins decodes exactly as `loadScenario` does.
 */
export const loadScenarioWithPlugins = async (
  file: string, overrides: ReadonlyArray<string> = []
): Promise<{ scenario: Scenario; plugins: LoadedPlugin[] }> => decodeWithPlugins(readJsonFile(file), file, overrides)

/** The same two passes over a scenario already parsed (e.g. one stored in a checkpoint); `json` is changed in place. */
export const decodeWithPlugins = async (
  json: unknown, file: string, overrides: ReadonlyArray<string> = []
): Promise<{ scenario: Scenario; plugins: LoadedPlugin[] }> => {
  for (const o of overrides) applyOverride(json, o, file)
  const plugins = await loadPlugins(pluginRefsOf(json), file)
  const scenario = decodeScenario(json, file, plugins.flatMap((p) => p.plugin.interventions ?? []))
  return { scenario, plugins }
}

/** In a worker thread: imports the pool's plugins by URL and binds their rules to this thread's view of the world. */
export const workerRules = async (init: WorkerInit): Promise<BoundRule[]> => {
  const loaded = await Promise.all(init.plugins.map(async (p, k) => {
    const plugin = await importPlugin(p.url)
    if (typeof plugin === "string") throw new Error(`plugin ${p.url}: ${plugin}`)
    return { plugin, options: decodeOptions(plugin, p.options, p.url, k), state: p.state }
  }))
  return bindRules(loaded, init.data)
}
