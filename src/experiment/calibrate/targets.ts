// The targets file of `kiln calibrate`: the parameters to fit with their priors, and the observed summary statistics.
import { Schema } from "effect"
import { InputError } from "../../errors.js"
import { readJsonFile, schemaInputError } from "../../scenario/load.js"
import { columnOfPath, RESERVED_COLUMNS } from "../design.js"
import { FieldPath } from "../schema.js"

const Finite = Schema.Finite
const Positive = Schema.Finite.check(Schema.isGreaterThan(0))

export const PriorSpec = Schema.Struct({
  path: FieldPath,
  name: Schema.optionalKey(Schema.String.check(
    Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "expected a name of letters, digits and underscores" })
  ).annotate({ description: "column name in posterior.csv (default: the path with . and [] turned into _)" })),
  prior: Schema.Literals(["uniform", "log-uniform"]).annotate({
    description: "uniform on [from, to], or log-uniform (uniform in ln θ, from > 0)"
  }),
  from: Finite.annotate({ description: "lower end of the prior's range" }),
  to: Finite.annotate({ description: "upper end of the prior's range (> from)" })
}).annotate({ description: "a scenario field to fit and its prior, e.g. { \"path\": \"energy.gamma\", \"prior\": \"uniform\", \"from\": 0.02, \"to\": 0.4 }" })

export const TargetSpec = Schema.Struct({
  metric: Schema.String.annotate({ description: "a metrics column, e.g. energy_mean" }),
  at: Schema.Union([
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)).annotate({ description: "a recorded tick" }),
    Schema.Literals(["final", "mean"]).annotate({ description: "final: the run's last record; mean: the mean over its records" })
  ]),
  value: Finite.annotate({ description: "the observed value" }),
  scale: Schema.optionalKey(Positive.annotate({
    description: "the difference is divided by it (default: the MAD × 1.4826 of the statistic over generation 0, drawn from the prior)"
  })),
  weight: Schema.optionalKey(Finite.check(Schema.isGreaterThanOrEqualTo(0)).annotate({ description: "weight of the squared scaled difference (default 1)" }))
}).annotate({ description: "an observed summary statistic: a metric at a tick, at the final record, or averaged over the records" })

export const TargetsSpec = Schema.Struct({
  $schema: Schema.optionalKey(Schema.String),
  description: Schema.optionalKey(Schema.String),
  priors: Schema.Array(PriorSpec).check(Schema.isMinLength(1)).annotate({ description: "the parameters to fit, each a scenario field" }),
  targets: Schema.Array(TargetSpec).check(Schema.isMinLength(1)).annotate({ description: "the observed summary statistics" })
})

/** A prior with its column name resolved. */
export interface Prior {
  readonly path: string
  readonly name: string
  readonly prior: "uniform" | "log-uniform"
  readonly from: number
  readonly to: number
}

export interface Target {
  readonly metric: string
  readonly at: number | "final" | "mean"
  readonly value: number
  readonly scale?: number
  readonly weight: number
}

/** A decoded targets file. */
export interface Targets {
  /** the file it came from ("<targets>" when built in code) */
  readonly file: string
  readonly description?: string
  readonly priors: ReadonlyArray<Prior>
  readonly targets: ReadonlyArray<Target>
}

const overlaps = (a: string, b: string): boolean =>
  a === b || b.startsWith(a + ".") || b.startsWith(a + "[") || a.startsWith(b + ".") || a.startsWith(b + "[")

/**
 * Decodes a parsed targets file; throws one InputError naming `file` and the path of each problem (exit code 2).
 * Metrics and ticks are checked against the experiment later (`checkTargets`), which knows its columns.
 */
export const decodeTargets = (input: unknown, file = "<targets>"): Targets => {
  const r = Schema.decodeUnknownResult(TargetsSpec, { onExcessProperty: "error", errors: "all" })(input)
  if (r._tag === "Failure") throw schemaInputError(r.failure.issue, file, [])
  const spec = r.success
  const issues: Array<{ path: string; message: string }> = []
  const names = new Map<string, number>()
  const priors = spec.priors.map((p, k): Prior => {
    const at = `priors[${k}]`
    if (!(p.to > p.from)) issues.push({ path: `${at}.to`, message: `expected a value > from (${p.from}), got ${p.to}` })
    if (p.prior === "log-uniform" && !(p.from > 0)) issues.push({ path: `${at}.from`, message: `a log-uniform prior needs from > 0, got ${p.from}` })
    if (p.path === "seed") issues.push({ path: `${at}.path`, message: "run seeds derive from the calibration's seed; fit another field" })
    const name = p.name ?? columnOfPath(p.path)
    if ((RESERVED_NAMES as ReadonlyArray<string>).includes(name)) issues.push({ path: `${at}.name`, message: `"${name}" is a column of posterior.csv; give the prior another name` })
    else if (names.has(name)) issues.push({ path: `${at}.name`, message: `"${name}" is also the name of priors[${names.get(name)}]; give one of them a name` })
    names.set(name, k)
    spec.priors.slice(0, k).forEach((q, j) => {
      if (overlaps(p.path, q.path)) issues.push({ path: `${at}.path`, message: `${p.path} overlaps priors[${j}].path (${q.path})` })
    })
    return { path: p.path, name, prior: p.prior, from: p.from, to: p.to }
  })
  if (issues.length > 0) throwAll(file, issues)
  const targets = spec.targets.map((t): Target => ({
    metric: t.metric, at: t.at, value: t.value, ...(t.scale !== undefined ? { scale: t.scale } : {}), weight: t.weight ?? 1
  }))
  if (targets.every((t) => t.weight === 0)) throwAll(file, [{ path: "targets", message: "every weight is 0: give at least one target a weight > 0" }])
  return { file, ...(spec.description !== undefined ? { description: spec.description } : {}), priors, targets }
}

/** Reads and decodes a targets file. */
export const loadTargets = (file: string): Targets => decodeTargets(readJsonFile(file), file)

/** Columns of posterior.csv and particles.csv that priors cannot be named. */
export const RESERVED_NAMES = ["generation", "particle", "weight", "distance", "epsilon", ...RESERVED_COLUMNS] as const

/** Every target's metric must be stored and its tick recorded; `recorded(t)` says whether tick t is. */
export const checkTargets = (
  t: Targets,
  metrics: ReadonlyArray<string>,
  recorded: (tick: number) => boolean,
  ticks: number
): void => {
  const issues: Array<{ path: string; message: string }> = []
  const known = metrics.filter((m) => m !== "tick")
  t.targets.forEach((g, k) => {
    if (!known.includes(g.metric)) issues.push({ path: `targets[${k}].metric`, message: `unknown metric "${g.metric}" (known: ${known.join(", ")})` })
    if (typeof g.at === "number" && !recorded(g.at)) {
      issues.push({ path: `targets[${k}].at`, message: `tick ${g.at} is not recorded in the experiment's runs (ticks ${ticks}); choose a recorded tick, "final" or "mean"` })
    }
  })
  if (issues.length > 0) throwAll(t.file, issues)
}

const throwAll = (file: string, issues: ReadonlyArray<{ path: string; message: string }>): never => {
  const [first] = issues
  throw new InputError(issues.length === 1
    ? { file, path: first.path, message: first.message }
    : { file, path: "", message: `${issues.length} problems:\n  ` + issues.map((i) => `at ${i.path}: ${i.message}`).join("\n  ") })
}
