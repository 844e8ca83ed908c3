// Design expansion: factors become levels, their product becomes points, each point × replicate becomes a run
// with a seed derived from the experiment seed and the replicate (common random numbers), or also from the
// point's content (independent seeds) — never from a point's position.
import { createHash } from "node:crypto"
import { InputError } from "../errors.js"
import { metricColumns } from "../model/metrics.js"
import { makeStream } from "../model/rng.js"
import { reporterColumns, type LoadedPlugin } from "../model/plugin.js"
import { checkPluginRefs } from "../run/plugins.js"
import { checkResources, graphShape } from "../run/resources.js"
import { decodeScenario } from "../scenario/load.js"
import type { Scenario } from "../scenario/schema.js"
import { beliefList, type World } from "../model/world.js"
import { isRecorded } from "../run/loop.js"
import { fixedParts } from "../run/checkpoint.js"
import { baseJson, throwIssues, trySetPath, type Experiment } from "./load.js"
import type { FactorT } from "./schema.js"
import { MAX_SOBOL_FACTORS, saltelliDesign } from "./sensitivity/saltelli.js"
import { morrisDesign } from "./sensitivity/morris.js"

export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }
export type ColumnType = "BIGINT" | "DOUBLE" | "BOOLEAN" | "VARCHAR"

/** A swept parameter: one typed column of the `runs` table. */
export interface FactorColumn {
  readonly name: string
  readonly type: ColumnType
  /** "values" | "range" | "sample" | "conditions", or "design" for a sobol or morris sample's structure columns */
  readonly kind: string
  /** index of the factor in the experiment file */
  readonly factor: number
  /** the scenario fields it sets (a conditions column: every field its arms set) */
  readonly paths: ReadonlyArray<string>
  /** VARCHAR holding JSON text (lists of mixed or structured values) */
  readonly json: boolean
}

/** One combination of factor levels. */
export interface DesignPoint {
  /** 16 hex digits of `hash` */
  readonly id: string
  /**
   * sha256 of the point's content. Common seeds: its scenario (without seed), so labels and factors that leave the
   * scenario as it was keep the point. Independent seeds: its column values and overrides (the seeds derive from it).
   */
  readonly hash: string
  readonly index: number
  /** column name → value */
  readonly values: Readonly<Record<string, Json>>
  /** scenario path → value, in factor order */
  readonly overrides: ReadonlyArray<readonly [string, Json]>
  /** the decoded scenario of the point (seed still the base's) */
  readonly scenario: Scenario
}

/** One run: a point and a replicate, with its seed. */
export interface PlannedRun {
  readonly runId: string
  readonly pointId: string
  readonly point: number
  /** 1..replicates */
  readonly replicate: number
  readonly seed: number
}

export interface Design {
  readonly experiment: Experiment
  /** hash of what makes results comparable: base scenario, seed, run length, stop rules, stored metrics, columns */
  readonly identity: string
  readonly columns: ReadonlyArray<FactorColumn>
  readonly points: ReadonlyArray<DesignPoint>
  /** points × replicates, point-major, in design order */
  readonly runs: ReadonlyArray<PlannedRun>
  /** the metrics columns stored (tick first): the union over points, filtered by `metrics` */
  readonly metricColumns: ReadonlyArray<string>
}

/** Columns of the runs table that factors cannot use. */
export const RESERVED_COLUMNS = [
  "run_id", "point_id", "replicate", "seed", "overrides", "status", "error", "ticks", "stop_reason",
  "started", "finished", "wall_seconds", "kiln_version"
] as const

const MAX_POINTS = 100_000

interface Level {
  readonly values: Record<string, Json>
  readonly set: ReadonlyArray<readonly [string, Json]>
  /** a sensitivity design's place of the point (sobol/A/3, morris/5/2): part of its identity, as two places may run one scenario */
  readonly role?: string
}

/**
 * The structure columns of sensitivity designs, stored in `runs` beside the factor columns so `kiln analyze` can
 * rebuild the design: which matrix (A, B, AB), which row j and which factor i a Saltelli point is; which trajectory
 * and step a Morris point is and which factor the step moved.
 */
export const SOBOL_COLUMNS = { block: "sobol_block", row: "sobol_row", factor: "sobol_factor" } as const
export const MORRIS_COLUMNS = { trajectory: "morris_trajectory", step: "morris_step", factor: "morris_factor" } as const

/** Morris's grid: levels per range unless the sample gives its own. */
export const DEFAULT_MORRIS_LEVELS = 4

// ---------------------------------------------------------------- hashing

/** JSON with object keys sorted, so equal content always hashes the same. */
export const stableJson = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(",")}}`
  }
  return JSON.stringify(v) ?? "null"
}

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex")

const seed31 = (text: string): number => parseInt(sha256(text).slice(0, 8), 16) >>> 1

/** Independent seeds: replicate `replicate` of a point has 31 bits of sha256(experiment seed, point content hash, replicate). */
export const runSeed = (experimentSeed: number, pointHash: string, replicate: number): number =>
  seed31(`kiln/seed/${experimentSeed}/${pointHash}/${replicate}`)

/** Common random numbers: replicate `replicate` has 31 bits of sha256(experiment seed, replicate) at every point. */
export const commonSeed = (experimentSeed: number, replicate: number): number =>
  seed31(`kiln/seed/${experimentSeed}/common/${replicate}`)

const hash32 = (s: string): number => parseInt(sha256(s).slice(0, 8), 16) | 0

/** `energy.gamma` → `energy_gamma`, `interventions[0].dose` → `interventions_0_dose`. */
export const columnOfPath = (path: string): string => path.replace(/\[(\d+)\]/g, "_$1").replace(/[^A-Za-z0-9_]/g, "_")

// ---------------------------------------------------------------- levels

const typeOf = (values: ReadonlyArray<Json>): { type: ColumnType; json: boolean } => {
  if (values.every((v) => typeof v === "boolean")) return { type: "BOOLEAN", json: false }
  if (values.every((v) => typeof v === "number")) {
    return { type: values.every((v) => Number.isSafeInteger(v)) ? "BIGINT" : "DOUBLE", json: false }
  }
  if (values.every((v) => typeof v === "string")) return { type: "VARCHAR", json: false }
  return { type: "VARCHAR", json: true }
}

/** 12 significant digits: 0.1 + 2 × 0.1 is 0.3, not 0.30000000000000004. */
const clean = (x: number): number => Number(x.toPrecision(12))

interface FactorLevels {
  readonly columns: FactorColumn[]
  readonly levels: Level[]
  readonly paths: string[]
}

const levelsOf = (f: FactorT, i: number, seed: number, fail: (path: string, message: string) => void): FactorLevels => {
  const at = `factors[${i}]`
  if ("values" in f) {
    const name = f.name ?? columnOfPath(f.path)
    const seen = new Map<string, number>()
    f.values.forEach((v, k) => {
      const key = stableJson(v)
      if (seen.has(key)) fail(`${at}.values[${k}]`, `duplicate of values[${seen.get(key)}]`)
      seen.set(key, k)
    })
    const t = typeOf(f.values as Json[])
    return {
      columns: [{ name, ...t, kind: "values", factor: i, paths: [f.path] }],
      levels: f.values.map((v) => ({ values: { [name]: v as Json }, set: [[f.path, v as Json]] })),
      paths: [f.path]
    }
  }
  if ("range" in f) {
    const { from, to, step } = f.range
    const name = f.name ?? columnOfPath(f.path)
    if (to < from) fail(`${at}.range.to`, `expected a value >= from (${from})`)
    const count = Math.floor((to - from) / step + 1e-9) + 1
    if (count > MAX_POINTS) fail(`${at}.range.step`, `the range has ${count} values; expected at most ${MAX_POINTS}`)
    const values = to < from || count > MAX_POINTS ? [] : Array.from({ length: count }, (_, k) => clean(from + k * step))
    const int = Number.isSafeInteger(from) && Number.isSafeInteger(step)
    return {
      columns: [{ name, type: int ? "BIGINT" : "DOUBLE", json: false, kind: "range", factor: i, paths: [f.path] }],
      levels: values.map((v) => ({ values: { [name]: v }, set: [[f.path, v]] })),
      paths: [f.path]
    }
  }
  if ("sample" in f) {
    const { kind, count, ranges } = f.sample
    const entries = Object.entries(ranges)
    if (entries.length === 0) fail(`${at}.sample.ranges`, "expected at least one range")
    if (count > MAX_POINTS) fail(`${at}.sample.count`, `expected at most ${MAX_POINTS}`)
    for (const [path, r] of entries) {
      if (r.to < r.from) fail(`${at}.sample.ranges.${path}.to`, `expected a value >= from (${r.from})`)
      if (r.int && !(Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to))) {
        fail(`${at}.sample.ranges.${path}`, "expected integer from and to with int: true")
      }
    }
    if (kind === "sobol" || kind === "morris") return sensitivityLevels(f.sample, i, seed, fail)
    if (f.sample.levels !== undefined) fail(`${at}.sample.levels`, `levels applies to morris samples only, not ${kind}`)
    // Random draws come from a stream keyed by the ranges alone, so raising count appends points.
    const stream = makeStream(seed, hash32(stableJson(kind === "random" ? { kind, ranges } : { kind, ranges, count })))
    const u: number[][] = Array.from({ length: count }, () => new Array<number>(entries.length))
    if (kind === "random") {
      for (let p = 0; p < count; p++) for (let d = 0; d < entries.length; d++) u[p][d] = stream()
    } else {
      for (let d = 0; d < entries.length; d++) {
        const perm = Array.from({ length: count }, (_, k) => k)
        for (let k = count - 1; k > 0; k--) {
          const j = Math.floor(stream() * (k + 1))
          ;[perm[k], perm[j]] = [perm[j], perm[k]]
        }
        for (let p = 0; p < count; p++) u[p][d] = (perm[p] + stream()) / count
      }
    }
    const columns: FactorColumn[] = entries.map(([path, r]) => ({
      name: r.name ?? columnOfPath(path), type: r.int ? "BIGINT" : "DOUBLE", json: false, kind: "sample", factor: i, paths: [path]
    }))
    const levels = u.map((row) => {
      const values: Record<string, Json> = {}
      const set: Array<readonly [string, Json]> = []
      entries.forEach(([path, r], d) => {
        const v = r.int ? Math.min(r.to, r.from + Math.floor(row[d] * (r.to - r.from + 1))) : r.from + row[d] * (r.to - r.from)
        values[columns[d].name] = v
        set.push([path, v])
      })
      return { values, set }
    })
    return { columns, levels, paths: entries.map(([p]) => p) }
  }
  const arms = Object.entries(f.conditions)
  if (arms.length === 0) fail(`${at}.conditions`, "expected at least one arm")
  const paths = [...new Set(arms.flatMap(([, set]) => Object.keys(set)))]
  return {
    columns: [{ name: f.name, type: "VARCHAR", json: false, kind: "conditions", factor: i, paths }],
    levels: arms.map(([arm, set]) => ({ values: { [f.name]: arm }, set: Object.entries(set) as Array<[string, Json]> })),
    paths
  }
}

type SampleT = Extract<FactorT, { sample: unknown }>["sample"]

/**
 * A sobol sample's Saltelli design or a morris sample's trajectories: the ranges' columns plus the structure columns,
 * each point a level (the product with other factors is refused by expandDesign).
 */
const sensitivityLevels = (sample: SampleT, i: number, seed: number, fail: (path: string, message: string) => void): FactorLevels => {
  const at = `factors[${i}].sample`
  const { kind, count, ranges } = sample
  const entries = Object.entries(ranges)
  const k = entries.length
  const names = kind === "sobol" ? SOBOL_COLUMNS : MORRIS_COLUMNS
  const empty = { columns: [], levels: [], paths: entries.map(([p]) => p) }
  const before = { n: 0 }
  const problem = (path: string, message: string) => {
    before.n++
    fail(path, message)
  }
  for (const [path, r] of entries) {
    const name = r.name ?? columnOfPath(path)
    if ((Object.values(names) as string[]).includes(name)) problem(`${at}.ranges.${path}`, `column "${name}" is a ${kind} design column; give the range another name`)
  }
  if (kind === "sobol") {
    if (sample.levels !== undefined) problem(`${at}.levels`, "levels applies to morris samples only, not sobol")
    if (k === 1) problem(`${at}.ranges`, `expected at least two ranges for Sobol indices (with one, its first-order and total index are both 1), got ${k}`)
    if (k > MAX_SOBOL_FACTORS) problem(`${at}.ranges`, `expected at most ${MAX_SOBOL_FACTORS} ranges (the Sobol sequence has ${2 * MAX_SOBOL_FACTORS} dimensions: A and B take 2 per range), got ${k}`)
    if ((count & (count - 1)) !== 0) {
      const lo = 2 ** Math.floor(Math.log2(count))
      problem(`${at}.count`, `expected a power of two (Sobol points are balanced in blocks of 2^m), got ${count}; use ${lo} or ${2 * lo}`)
    }
  } else {
    const levels = sample.levels ?? DEFAULT_MORRIS_LEVELS
    if (levels % 2 !== 0) problem(`${at}.levels`, `expected an even number of levels (2, 4, 6, …): only then does the jump p/(2(p − 1)) land on the grid; got ${levels}`)
    for (const [path, r] of entries) {
      if (r.int && r.to - r.from < levels - 1) {
        problem(`${at}.ranges.${path}`, `an integer range needs at least ${levels} values for ${levels} levels; widen it or lower levels`)
      }
    }
  }
  if (before.n > 0) return empty
  const columns: FactorColumn[] = entries.map(([path, r]) => ({
    name: r.name ?? columnOfPath(path), type: r.int ? "BIGINT" : "DOUBLE", json: false, kind: "sample", factor: i, paths: [path]
  }))
  const design = (name: string, type: ColumnType): FactorColumn => ({ name, type, json: false, kind: "design", factor: i, paths: [] })
  const value = (u: number, r: (typeof entries)[number][1]): number =>
    kind === "sobol"
      ? r.int ? Math.min(r.to, r.from + Math.floor(u * (r.to - r.from + 1))) : r.from + u * (r.to - r.from)
      : r.int ? Math.round(r.from + u * (r.to - r.from)) : clean(r.from + u * (r.to - r.from))
  const level = (u: Float64Array, extra: Record<string, Json>, role: string): Level => {
    const values: Record<string, Json> = {}
    const set: Array<readonly [string, Json]> = []
    entries.forEach(([path, r], d) => {
      const v = value(u[d], r)
      values[columns[d].name] = v
      set.push([path, v])
    })
    return { values: { ...values, ...extra }, set, role }
  }
  if (kind === "sobol") {
    // scrambled by a stream keyed by the ranges alone, so raising count (a power of two) keeps the earlier rows
    const levels = saltelliDesign(count, k, { seed, salt: hash32(stableJson({ kind, ranges })) }).map((p) =>
      level(p.u, {
        [SOBOL_COLUMNS.block]: p.block, [SOBOL_COLUMNS.row]: p.row,
        ...(p.factor === undefined ? {} : { [SOBOL_COLUMNS.factor]: columns[p.factor].name })
      }, `sobol/${p.block}/${p.row}${p.factor === undefined ? "" : `/${p.factor}`}`))
    const structure = [design(SOBOL_COLUMNS.block, "VARCHAR"), design(SOBOL_COLUMNS.row, "BIGINT"), design(SOBOL_COLUMNS.factor, "VARCHAR")]
    return { columns: [...columns, ...structure], levels, paths: entries.map(([p]) => p) }
  }
  const p = sample.levels ?? DEFAULT_MORRIS_LEVELS
  // trajectories come from a stream keyed by the ranges and levels, so raising count appends trajectories
  const levels = morrisDesign(count, k, p, seed, hash32(stableJson({ kind, ranges, levels: p }))).map((q) =>
    level(q.u, {
      [MORRIS_COLUMNS.trajectory]: q.trajectory, [MORRIS_COLUMNS.step]: q.step,
      ...(q.factor === undefined ? {} : { [MORRIS_COLUMNS.factor]: columns[q.factor].name })
    }, `morris/${q.trajectory}/${q.step}`))
  const structure = [design(MORRIS_COLUMNS.trajectory, "BIGINT"), design(MORRIS_COLUMNS.step, "BIGINT"), design(MORRIS_COLUMNS.factor, "VARCHAR")]
  return { columns: [...columns, ...structure], levels, paths: entries.map(([p]) => p) }
}

const overlaps = (a: string, b: string): boolean =>
  a === b || b.startsWith(a + ".") || b.startsWith(a + "[") || a.startsWith(b + ".") || a.startsWith(b + "[")

// ---------------------------------------------------------------- expansion

/** The metrics columns a scenario produces (they depend on its memes, groups, patterns, beliefs and plugins only). */
const scenarioMetricColumns = (s: Scenario, plugins: ReadonlyArray<LoadedPlugin>): string[] => [
  ...metricColumns({ scenario: s, groupNames: s.groups.map((g) => g.name), beliefs: beliefList(s) } as unknown as World),
  ...reporterColumns(plugins)
]

const describePoint = (values: Readonly<Record<string, Json>>): string =>
  Object.keys(values).length === 0 ? "the base point" : `point ${stableJson(values)}`

/** Expands an experiment into points and runs; checks every point's scenario. Throws InputError on a bad design. */
export const expandDesign = (experiment: Experiment): Design => {
  const { spec, file } = experiment
  const issues: Array<{ path: string; message: string }> = []
  const fail = (path: string, message: string) => {
    issues.push({ path, message })
  }
  const factors = spec.factors.map((f, i) => levelsOf(f, i, spec.seed, fail))
  const columns = factors.flatMap((f) => f.columns)
  // a sensitivity design is its own design: crossed with arms or values its structure would no longer hold
  spec.factors.forEach((f, i) => {
    if ("sample" in f && (f.sample.kind === "sobol" || f.sample.kind === "morris") && spec.factors.length > 1) {
      fail(`factors[${i}]`, `a ${f.sample.kind} sample must be the experiment's only factor (got ${spec.factors.length} factors); ` +
        "fix the other fields with set, or run one experiment per arm")
    }
  })
  // columns and paths must be distinct, and never taken by the runs table itself
  const names = new Map<string, number>()
  for (const c of columns) {
    const at = `factors[${c.factor}]`
    if ((RESERVED_COLUMNS as ReadonlyArray<string>).includes(c.name)) {
      fail(at, `column "${c.name}" is a column of the runs table; give the factor another name`)
    } else if (names.has(c.name) && names.get(c.name) !== c.factor) {
      fail(at, `column "${c.name}" is also made by factors[${names.get(c.name)}]; give one of them a name`)
    } else if (names.has(c.name)) fail(at, `column "${c.name}" appears twice; name the ranges`)
    names.set(c.name, c.factor)
  }
  factors.forEach((f, i) => {
    for (const p of f.paths) {
      if (p === "seed" || p.startsWith("seed.")) fail(`factors[${i}]`, "seeds come from the experiment seed and the replicates; sweep another field")
      const fixed = Object.keys(spec.set).find((q) => overlaps(p, q))
      if (fixed !== undefined) fail(`factors[${i}]`, `sets ${p}, which set also sets (${fixed}); remove one`)
      factors.slice(i + 1).forEach((g, k) => {
        const q = g.paths.find((q) => overlaps(p, q))
        if (q !== undefined) fail(`factors[${i + 1 + k}]`, `sets ${q}, which factors[${i}] also sets (${p})`)
      })
    }
  })
  if (issues.length > 0) throwIssues(file, issues)
  const total = factors.reduce((n, f) => n * f.levels.length, 1)
  if (total > MAX_POINTS) throwIssues(file, [{ path: "factors", message: `the design has ${total} points; expected at most ${MAX_POINTS}` }])

  // The product of levels, the first factor varying slowest.
  let combos: Level[][] = [[]]
  for (const f of factors) combos = combos.flatMap((c) => f.levels.map((l) => [...c, l]))
  const base = baseJson(experiment.base, spec).json
  const ids = new Map<string, number>()
  const points: DesignPoint[] = []
  combos.forEach((levels, index) => {
    const values: Record<string, Json> = Object.assign({}, ...levels.map((l) => l.values))
    const overrides = levels.flatMap((l) => l.set)
    const role = levels.map((l) => l.role).filter((r) => r !== undefined).join("/")
    const json = structuredClone(base)
    for (const [path, v] of overrides) {
      const problem = trySetPath(json, path, structuredClone(v))
      if (problem !== undefined) {
        const f = factors.findIndex((f) => f.paths.includes(path))
        fail(`factors[${f}]`, `cannot set ${path}: ${problem}`)
        return
      }
    }
    let scenario: Scenario
    try {
      scenario = decodePoint(experiment, json)
      // every point runs the base scenario's plugins, with options their schemas accept
      checkPluginRefs(scenario.plugins ?? [], experiment.plugins, experiment.baseFile)
      // a point too large for this machine is refused with the design, not run by run
      const shape = graphShape(scenario)
      if (shape) checkResources(scenario, shape, experiment.baseFile)
    } catch (e) {
      if (!(e instanceof InputError)) throw e
      const f = factors.findIndex((f) => f.paths.some((p) => e.path !== "" && overlaps(p, e.path)))
      fail(f >= 0 ? `factors[${f}]` : "factors", `the scenario of ${describePoint(values)} is invalid: ${e.path ? `at ${e.path}: ` : ""}${e.message}`)
      return
    }
    const content = spec.seeds === "common"
      ? role === "" ? scenarioHash(scenario) : sha256(`${scenarioHash(scenario)}/${role}`)
      : labelHash(values, overrides)
    const id = content.slice(0, 16)
    if (ids.has(id)) {
      const same = spec.seeds === "common" ? "runs the same scenario as" : "repeats"
      fail("factors", `${describePoint(values)} ${same} point ${ids.get(id)}: every point must differ`)
      return
    }
    ids.set(id, index)
    points.push({ id, hash: content, index: points.length, values, overrides, scenario })
  })
  if (issues.length > 0) throwIssues(file, issues.slice(0, 20))

  // Stored metrics: the union over points in design order, then the `metrics` filter.
  const union: string[] = []
  const known = new Set<string>()
  for (const p of points) for (const c of scenarioMetricColumns(p.scenario, experiment.plugins)) if (!known.has(c)) (known.add(c), union.push(c))
  const knownList = () => union.filter((c) => c !== "tick").join(", ")
  spec.metrics?.forEach((m, k) => {
    if (!known.has(m)) fail(`metrics[${k}]`, `unknown metric "${m}" (known: ${knownList()})`)
  })
  spec.stop.forEach((r, k) => {
    if (!known.has(r.metric) || r.metric === "tick") fail(`stop[${k}].metric`, `unknown metric "${r.metric}" (known: ${knownList()})`)
  })
  if (issues.length > 0) throwIssues(file, issues)
  const keep = spec.metrics ? new Set(["tick", ...spec.metrics]) : known
  const stored = union.filter((c) => keep.has(c))

  checkSnapshotTicks(experiment, points, fail)
  if (spec.fork) checkForkDesign(experiment, spec.fork.at, points, fail)
  if (issues.length > 0) throwIssues(file, issues.slice(0, 20))

  const seedOf = (p: DesignPoint, r: number) => (spec.seeds === "common" ? commonSeed(spec.seed, r) : runSeed(spec.seed, p.hash, r))
  const runs: PlannedRun[] = []
  for (const p of points) {
    for (let r = 1; r <= spec.replicates; r++) {
      runs.push({ runId: `${p.id}-${r}`, pointId: p.id, point: p.index, replicate: r, seed: seedOf(p, r) })
    }
  }
  return { experiment, identity: identityOf(experiment, columns, stored), columns, points, runs, metricColumns: stored }
}

/** The burn-in of a fork design: the base scenario with the experiment's `set`, its ticks, and the experiment seed. */
export const burnInScenario = (e: Experiment): Scenario => ({ ...decodePoint(e, baseJson(e.base, e.spec).json), seed: e.spec.seed })

/** Every point of a fork design continues the burn-in's world: before `at`, and not changing what fixes the state. */
const checkForkDesign = (e: Experiment, at: number, points: ReadonlyArray<DesignPoint>, fail: (path: string, message: string) => void) => {
  const burnIn = burnInScenario(e)
  if (at >= burnIn.ticks) fail("fork.at", `expected a tick before the runs' last (${burnIn.ticks})`)
  const before = fixedParts(burnIn)
  for (const p of points) {
    const changed = Object.entries(fixedParts(p.scenario)).find(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k]))
    if (changed) fail("factors", `${describePoint(p.values)} changes ${changed[0]}, which a fork design's branches share with the burn-in`)
  }
}

/** A point's scenario JSON decoded against the base scenario's file and its plugins' intervention kinds. */
const decodePoint = (e: Experiment, json: Record<string, unknown>): Scenario =>
  decodeScenario(json, e.baseFile, e.plugins.flatMap((p) => p.plugin.interventions ?? []))

/** The scenario of a point given its overrides, as `expandDesign` builds it (a stored run's, for `kiln rerun`). */
export const pointScenario = (e: Experiment, overrides: ReadonlyArray<readonly [string, Json]>): Scenario => {
  const json = baseJson(e.base, e.spec).json
  for (const [path, v] of overrides) {
    const problem = trySetPath(json, path, structuredClone(v))
    if (problem !== undefined) throw new InputError({ file: e.file, path: "overrides", message: `cannot set ${path}: ${problem}` })
  }
  return decodePoint(e, json)
}

/** Independent seeds identify a point by its labels and overrides (as Kiln always has, so old stores resume). */
const labelHash = (values: Readonly<Record<string, Json>>, overrides: ReadonlyArray<readonly [string, Json]>): string =>
  sha256(stableJson({ values, overrides: [...overrides].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) }))

/** Common seeds identify a point by what it runs: its scenario without the seed and the editor-only fields. */
const scenarioHash = (scenario: Scenario): string => {
  const { seed: _seed, $schema: _s, description: _d, ...rest } = scenario as Scenario & { $schema?: string }
  return sha256(stableJson({ format: "kiln-point/2", scenario: rest }))
}

/** Snapshot ticks must be recorded at every point: taken with the metrics row, they see its per-agent values. */
const checkSnapshotTicks = (e: Experiment, points: ReadonlyArray<DesignPoint>, fail: (path: string, message: string) => void): void => {
  e.spec.snapshots?.ticks.forEach((t, k) => {
    if (t === "final") return
    const p = points.find((p) => t > p.scenario.ticks || !isRecorded(t, p.scenario.ticks, p.scenario.recordEvery))
    if (p === undefined) return
    const { ticks, recordEvery } = p.scenario
    fail(`snapshots.ticks[${k}]`, `tick ${t} is not recorded in ${describePoint(p.values)} (ticks ${ticks}, recordEvery ${recordEvery}); ` +
      `expected 0, a multiple of ${recordEvery} up to ${ticks}, ${ticks}, or "final"`)
  })
}

/**
 * What a results DB is tied to. Values, ranges, sample counts and replicates are left out, so a design may grow
 * and be completed with --resume; anything that changes what a run computes or how it is stored is in.
 */
const identityOf = (e: Experiment, columns: ReadonlyArray<FactorColumn>, metrics: ReadonlyArray<string>): string => {
  const { $schema: _s, description: _d, seed: _seed, ...scenario } = e.baseScenario as Scenario & { $schema?: string }
  const common = { name: e.spec.name, seed: e.spec.seed, scenario, stop: e.spec.stop }
  const snapshots = {
    ...(e.spec.snapshots ? { snapshots: e.spec.snapshots } : {}),
    ...(e.spec.fork ? { fork: e.spec.fork } : {})
  }
  // Independent seeds hash what Kiln always did, so stores made before common seeds existed still resume. Common
  // seeds leave the factor columns and the points' metric columns out (the store adds columns as the design grows):
  // a point is its scenario, so a factor may be added and the DB completed.
  if (e.spec.seeds === "independent") {
    const cols = columns.map((c) => ({ name: c.name, type: c.type, kind: c.kind, paths: c.kind === "conditions" ? [] : c.paths }))
    return sha256(stableJson({ format: "kiln-experiment/1", ...common, metrics, columns: cols, ...snapshots })).slice(0, 32)
  }
  const stored = e.spec.metrics ?? "all"
  return sha256(stableJson({ format: "kiln-experiment/2", seeds: "common", ...common, metrics: stored, ...snapshots })).slice(0, 32)
}

/** Shard `index` of `count` (1-based): every count-th run of the design, so slices are balanced and disjoint. */
export const shardRuns = (runs: ReadonlyArray<PlannedRun>, shard?: { readonly index: number; readonly count: number }): PlannedRun[] =>
  shard === undefined ? [...runs] : runs.filter((_, k) => k % shard.count === shard.index - 1)

/** Parses `i/N` (1 <= i <= N). */
export const parseShard = (text: string): { index: number; count: number } | undefined => {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  if (!m) return undefined
  const index = Number(m[1]), count = Number(m[2])
  return index >= 1 && count >= 1 && index <= count ? { index, count } : undefined
}
