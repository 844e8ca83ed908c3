// Reading experiments: JSON with positions, the schema with every error at its path, and the base scenario.
import { existsSync } from "node:fs"
import { dirname, isAbsolute, resolve } from "node:path"
import { Schema, SchemaIssue } from "effect"
import { InputError } from "../errors.js"
import { decodeScenario, editorSchema, readJsonFile } from "../scenario/load.js"
import { PathError, renderPath, setPath } from "../scenario/path.js"
import type { Scenario } from "../scenario/schema.js"
import type { LoadedPlugin } from "../model/plugin.js"
import { MAX_SEED } from "../model/rng.js"
import { loadPlugins, pluginRefsOf } from "../run/plugins.js"
import {
  ConditionsFactor, ExperimentShell, ExperimentSpec, RangeFactor, SampleFactor, StopRule, ValuesFactor,
  type ExperimentSpecT, type FactorT, type StopRuleT
} from "./schema.js"

/** The experiment's fields with its seed resolved: the file's `seed`, else the base scenario's. */
export type ResolvedSpec = ExperimentSpecT & { readonly seed: number }

/** A decoded experiment with its base scenario, ready for `expandDesign`. */
export interface Experiment {
  readonly spec: ResolvedSpec
  /** the seed given by `--seed` (or the API's `seed`) instead of the file's: it names the default DB */
  readonly seedOverride?: number
  /** the experiment file ("<experiment>" when built in code) */
  readonly file: string
  /** the base scenario as parsed JSON, before any override */
  readonly base: Readonly<Record<string, unknown>>
  /** the file the base scenario came from: graph files resolve against it */
  readonly baseFile: string
  /** the base scenario decoded with the experiment's ticks, recordEvery and `set`, defaults filled */
  readonly baseScenario: Scenario
  /** the base scenario's plugins, loaded: their intervention kinds and option schemas check every point */
  readonly plugins: ReadonlyArray<LoadedPlugin>
}

interface Issue {
  readonly path: string
  readonly message: string
}

const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/** Decodes `input` with `schema`; returns the value or the issues with their paths prefixed by `at`. */
const decodeAt = <S extends Schema.Top>(schema: S, input: unknown, at: ReadonlyArray<PropertyKey>): { value?: S["Type"]; issues: Issue[] } => {
  const r = Schema.decodeUnknownResult(schema as any, { onExcessProperty: "error", errors: "all" })(input)
  if (r._tag === "Success") return { value: r.success as S["Type"], issues: [] }
  const issues = formatIssue(r.failure.issue).issues.map((i) => ({
    path: renderPath([...at, ...(i.path ?? []).map((k) => (typeof k === "object" ? k.key : k))]),
    message: i.message
  }))
  return { issues: dedupe(issues) }
}

const dedupe = (issues: Issue[]): Issue[] => {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** Throws one InputError naming every problem, like scenario files do. */
export const throwIssues = (file: string, issues: ReadonlyArray<Issue>): never => {
  const [first] = issues
  throw new InputError(
    issues.length === 1
      ? { file, path: first.path, message: first.message }
      : { file, path: "", message: `${issues.length} problems:\n  ` + issues.map((i) => `at ${i.path}: ${i.message}`).join("\n  ") }
  )
}

const factorKinds = [
  ["values", ValuesFactor],
  ["range", RangeFactor],
  ["sample", SampleFactor],
  ["conditions", ConditionsFactor]
] as const

/** Each factor is decoded against the member its key names, so errors point at one shape, not at a union. */
const decodeFactor = (input: unknown, i: number): { value?: FactorT; issues: Issue[] } => {
  const at = ["factors", i]
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return { issues: [{ path: renderPath(at), message: "expected an object with one of values, range, sample or conditions" }] }
  }
  const kinds = factorKinds.filter(([k]) => k in input)
  if (kinds.length !== 1) {
    const found = kinds.map(([k]) => k).join(" and ")
    return {
      issues: [{
        path: renderPath(at),
        message: kinds.length === 0
          ? "expected one of the keys values, range, sample or conditions"
          : `expected exactly one of values, range, sample or conditions, found ${found}`
      }]
    }
  }
  return decodeAt(kinds[0][1], input, at)
}

const decodeStop = (input: unknown, i: number, key = "stop"): { value?: StopRuleT; issues: Issue[] } => {
  const at = [key, i]
  const kind = input !== null && typeof input === "object" ? (input as { kind?: unknown }).kind : undefined
  if (kind !== "crossing" && kind !== "steady") {
    return { issues: [{ path: renderPath([...at, "kind"]), message: `expected "crossing" or "steady"` }] }
  }
  return decodeAt(StopRule, input, at)
}

/**
 * Decodes stop rules given outside an experiment file (`kiln run --stop`, the API's `stop` option) exactly as the
 * file's `stop` is: defaults filled, one InputError naming `file` and each path (`<key>[i].…`) otherwise.
 */
export const decodeStopRules = (inputs: ReadonlyArray<unknown>, file: string, key = "stop"): StopRuleT[] => {
  const decoded = inputs.map((input, i) => decodeStop(input, i, key))
  const issues = decoded.flatMap((d) => d.issues)
  if (issues.length > 0) throwIssues(file, issues)
  return decoded.map((d) => d.value!)
}

/** An experiment's spec and its base scenario JSON with `set` applied, before the scenario is decoded. */
interface Shell {
  readonly spec: ExperimentSpecT
  readonly base: Record<string, unknown>
  readonly baseFile: string
  readonly json: Record<string, unknown>
}

/** A base scenario already read (a stored experiment's): its JSON and the file its graph files resolve against. */
export interface BaseSource {
  readonly base: Record<string, unknown>
  readonly baseFile: string
}

/** Reads the base scenario a file's `scenario` names, relative to the experiment file (absolute paths as they are). */
const readBase = (spec: ExperimentSpecT, file: string): BaseSource => {
  if (typeof spec.scenario !== "string") return { base: spec.scenario as Record<string, unknown>, baseFile: file }
  const dir = file.startsWith("<") ? process.cwd() : dirname(resolve(file))
  const baseFile = resolve(dir, spec.scenario)
  if (!existsSync(baseFile)) {
    throw new InputError({
      file, path: "scenario",
      message: `no such file: ${baseFile}` + (isAbsolute(spec.scenario) ? "" : ` (a relative path resolves against the experiment file's folder, ${dir}); ` +
        "copy the scenario beside the experiment, or give an absolute path")
    })
  }
  return { base: readJsonFile(baseFile) as Record<string, unknown>, baseFile }
}

const readShell = (input: unknown, file: string, source?: BaseSource): Shell => {
  const shell = decodeAt(ExperimentShell, input, [])
  const raw = (input ?? {}) as { factors?: unknown; stop?: unknown }
  const factors = Array.isArray(raw.factors) ? raw.factors.map(decodeFactor) : []
  const stop = Array.isArray(raw.stop) ? raw.stop.map((s, i) => decodeStop(s, i)) : []
  const issues = [...shell.issues, ...factors.flatMap((f) => f.issues), ...stop.flatMap((s) => s.issues)]
  if (issues.length > 0 || shell.value === undefined) throwIssues(file, issues)
  const spec: ExperimentSpecT = {
    ...shell.value!,
    factors: factors.map((f) => f.value!),
    stop: stop.map((s) => s.value!)
  }
  const { base, baseFile } = source ?? readBase(spec, file)
  if (base === null || typeof base !== "object" || Array.isArray(base)) {
    throw new InputError({ file: baseFile, path: "", message: "expected a scenario object" })
  }
  const { json, issues: setIssues } = baseJson(base, spec)
  if (setIssues.length > 0) throwIssues(file, setIssues)
  return { spec, base, baseFile, json }
}

/** A problem made by `set` is the experiment's, not the scenario file's. */
const blameSet = (e: unknown, spec: ExperimentSpecT, file: string): unknown => {
  const culprit = e instanceof InputError && Object.keys(spec.set).find((p) => e.path === p || e.path.startsWith(p + ".") || e.path.startsWith(p + "["))
  return culprit ? new InputError({ file, path: `set.${culprit}`, message: `the base scenario with this override is invalid: ${(e as InputError).message}` }) : e
}

const finish = (shell: Shell, file: string, plugins: ReadonlyArray<LoadedPlugin>): Experiment => {
  const { spec, base, baseFile, json } = shell
  let baseScenario: Scenario
  try {
    baseScenario = decodeScenario(json, baseFile, plugins.flatMap((p) => p.plugin.interventions ?? []))
  } catch (e) {
    throw blameSet(e, spec, file)
  }
  return { spec: { ...spec, seed: spec.seed ?? baseScenario.seed }, file, base, baseFile, baseScenario, plugins }
}

/**
 * Decodes a parsed experiment; `file` locates a base scenario given by path. Throws one InputError listing every
 * problem. A base scenario naming plugins is refused: they load asynchronously, with `decodeExperimentWithPlugins`.
 */
export const decodeExperiment = (input: unknown, file = "<experiment>"): Experiment => {
  const shell = readShell(input, file)
  if (pluginRefsOf(shell.json).length > 0) {
    throw new InputError({
      file: shell.baseFile, path: "plugins",
      message: "the scenario names plugins, which load asynchronously: use loadExperimentWithPlugins or decodeExperimentWithPlugins (kiln sweep does)"
    })
  }
  return finish(shell, file, [])
}

/**
 * Decodes a parsed experiment and loads its base scenario's plugins (their modules, relative to the scenario file).
 * `source` gives the base scenario instead of the file's `scenario` (a stored experiment's, for reruns).
 */
export const decodeExperimentWithPlugins = async (input: unknown, file = "<experiment>", source?: BaseSource): Promise<Experiment> => {
  const shell = readShell(input, file, source)
  let plugins: LoadedPlugin[]
  try {
    plugins = await loadPlugins(pluginRefsOf(shell.json), shell.baseFile)
  } catch (e) {
    throw blameSet(e, shell.spec, file)
  }
  return finish(shell, file, plugins)
}

/**
 * The base scenario JSON every point starts from: the experiment's ticks and recordEvery, then its `set`
 * overrides (factors come after). Returns the problems of `set` paths instead of throwing.
 */
export const baseJson = (base: Readonly<Record<string, unknown>>, spec: ExperimentSpecT): { json: Record<string, unknown>; issues: Issue[] } => {
  const json: Record<string, unknown> = structuredClone(base) as Record<string, unknown>
  if (spec.ticks !== undefined) json.ticks = spec.ticks
  if (spec.recordEvery !== undefined) json.recordEvery = spec.recordEvery
  const issues: Issue[] = []
  for (const [path, value] of Object.entries(spec.set)) {
    if (path === "seed") {
      issues.push({ path: "set.seed", message: "run seeds derive from the experiment's seed; set that instead" })
      continue
    }
    const problem = trySetPath(json, path, structuredClone(value))
    if (problem !== undefined) issues.push({ path: `set.${path}`, message: `cannot set ${path}: ${problem}` })
  }
  return { json, issues }
}

/** Sets `path` in a parsed scenario (the grammar of scenario/path.ts); returns the problem instead of throwing. */
export const trySetPath = (json: Record<string, unknown>, path: string, value: unknown): string | undefined => {
  try {
    setPath(json, path, value)
    return undefined
  } catch (e) {
    if (e instanceof PathError) return e.message
    throw e
  }
}

/** Loads an experiment file (JSON) whose base scenario names no plugins. */
export const loadExperiment = (file: string): Experiment => decodeExperiment(readJsonFile(file), file)

/** Loads an experiment file (JSON) and its base scenario's plugins. */
export const loadExperimentWithPlugins = async (file: string): Promise<Experiment> => decodeExperimentWithPlugins(readJsonFile(file), file)

/** The JSON Schema of experiment files (`kiln schema --experiment`); unknown keys are errors there too. */
export const experimentJsonSchema = (): Record<string, unknown> => editorSchema(ExperimentSpec, "Kiln experiment")

/** What `--seed` and `--replicates` (the API's `seed` and `replicates`) replace in an experiment. */
export interface RunCounts {
  readonly seed?: number
  readonly replicates?: number
}

/**
 * The experiment with its seed and replicates replaced, each checked like the file's field; a problem names
 * `--seed` or `--replicates` (`flags: false`: the API option `seed` or `replicates`).
 */
export const withRunCounts = (e: Experiment, o: RunCounts, flags = true): Experiment => {
  const at = (name: string) => (flags ? `--${name}` : name)
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= MAX_SEED)) {
    throw new InputError({ file: e.file, path: at("seed"), message: `expected an integer in 0..${MAX_SEED}, got ${o.seed}` })
  }
  if (o.replicates !== undefined && !(Number.isInteger(o.replicates) && o.replicates >= 1)) {
    throw new InputError({ file: e.file, path: at("replicates"), message: `expected an integer >= 1, got ${o.replicates}` })
  }
  return {
    ...e,
    spec: { ...e.spec, seed: o.seed ?? e.spec.seed, replicates: o.replicates ?? e.spec.replicates },
    ...(o.seed !== undefined && o.seed !== e.spec.seed ? { seedOverride: o.seed } : {})
  }
}
