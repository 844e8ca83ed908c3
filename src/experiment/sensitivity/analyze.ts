// `kiln analyze`: Sobol indices or Morris effects of one metric from a store swept with a sobol or morris sample.
import { dirname, extname, resolve } from "node:path"
import { InputError } from "../../errors.js"
import { ensureDir, writeFileAtomic } from "../../io/output-dir.js"
import { DEFAULT_MORRIS_LEVELS, MORRIS_COLUMNS, SOBOL_COLUMNS, type FactorColumn } from "../design.js"
import { closeDb, columnNames, ident, openDb, readMetaFrom, readRows, type StoreMeta } from "../store.js"
import { morrisEffects, type ElementaryEffect } from "./morris.js"
import { sobolIndices } from "./saltelli.js"

export type SensitivityMethod = "sobol" | "morris"

/** Which value of the metric a run contributes: its last record, the mean over its records, or the record at a tick. */
export type At = "final" | "mean" | number

export interface AnalyzeOptions {
  readonly metric: string
  /** default "final" */
  readonly at?: At
  /** confidence level of the bootstrap intervals (default 0.95) */
  readonly conf?: number
  /** bootstrap resamples (default 1000) */
  readonly resamples?: number
  /** seed of the bootstrap (default 1) */
  readonly seed?: number
}

interface Common {
  readonly db: string
  readonly experiment: string
  readonly metric: string
  readonly at: At
  readonly conf: number
  readonly resamples: number
  readonly seed: number
  /** design points with at least one done run */
  readonly points: number
  /** done runs averaged into them */
  readonly runs: number
  /** fewest and most replicates averaged per point: those every point of a Saltelli row (both points of a Morris step) ran */
  readonly replicates: { readonly min: number; readonly max: number }
}

export interface SobolRow {
  readonly factor: string
  readonly S1: number
  readonly S1_lo: number
  readonly S1_hi: number
  readonly ST: number
  readonly ST_lo: number
  readonly ST_hi: number
}

export interface SobolAnalysis extends Common {
  readonly method: "sobol"
  /** complete rows j (A_j, B_j and every A_B^(i)_j done) used, of `designRows` */
  readonly rows: number
  readonly designRows: number
  /** Var(Y) over f(A) and f(B) */
  readonly variance: number
  readonly indices: ReadonlyArray<SobolRow>
}

export interface MorrisRow {
  readonly factor: string
  readonly mu: number
  readonly mu_star: number
  readonly mu_star_lo: number
  readonly mu_star_hi: number
  readonly sigma: number
  /** elementary effects counted */
  readonly r: number
}

export interface MorrisAnalysis extends Common {
  readonly method: "morris"
  readonly trajectories: number
  readonly levels: number
  readonly effects: ReadonlyArray<MorrisRow>
}

export type SensitivityAnalysis = SobolAnalysis | MorrisAnalysis

/** Parses `--at`: final, mean or a tick. */
export const parseAt = (text: string, file: string): At => {
  const t = text.trim()
  if (t === "final" || t === "mean") return t
  if (/^\d+$/.test(t) && Number.isSafeInteger(Number(t))) return Number(t)
  throw new InputError({ file, path: "--at", message: `expected final, mean or a tick (an integer >= 0), got "${text}"` })
}

const describeAt = (at: At): string =>
  at === "final" ? "each run's last record" : at === "mean" ? "each run's mean over its records" : `tick ${at}`

interface Definition {
  readonly experiment?: {
    readonly factors?: ReadonlyArray<{ readonly sample?: { readonly kind?: string; readonly count?: number; readonly levels?: number; readonly ranges?: Record<string, { from: number; to: number }> } }>
  }
}

/** The kind of sensitivity design a store's factors hold, if any. */
export const sensitivityKindOf = (factors: ReadonlyArray<FactorColumn>): SensitivityMethod | undefined => {
  const structure = factors.filter((c) => c.kind === "design")
  return structure.some((c) => c.name === SOBOL_COLUMNS.block) ? "sobol" : structure.some((c) => c.name === MORRIS_COLUMNS.trajectory) ? "morris" : undefined
}

/** The store's sensitivity design: its kind, parameter columns (in factor order), and the sample as decoded. */
const designOf = (db: string, meta: StoreMeta, method: SensitivityMethod) => {
  const structure = meta.factors.filter((c) => c.kind === "design")
  const kind = sensitivityKindOf(meta.factors)
  if (kind === undefined) {
    const swept = meta.factors.map((c) => `${c.name} (${c.kind})`).join(", ") || "nothing"
    throw new InputError({
      file: db, path: "",
      message: `holds no sobol or morris design (it sweeps ${swept}); sweep an experiment whose factor is { "sample": { "kind": "${method}", … } }`
    })
  }
  if (kind !== method) {
    throw new InputError({ file: db, path: "", message: `holds a ${kind} design, not a ${method} one; run kiln analyze ${kind} ${db}` })
  }
  const factor = structure[0].factor
  const params = meta.factors.filter((c) => c.kind === "sample" && c.factor === factor)
  const sample = (meta.definition as Definition).experiment?.factors?.[factor]?.sample
  if (sample?.ranges === undefined || sample.count === undefined) {
    throw new InputError({ file: db, path: "", message: `its experiment definition lacks factors[${factor}].sample; was it written by another Kiln version?` })
  }
  return { factor, params, sample: { ...sample, ranges: sample.ranges, count: sample.count } }
}

interface PointValue {
  readonly values: Record<string, unknown>
  /** replicate → the run's value of the metric */
  readonly ys: Map<number, number>
}

/** Each point's metric value per done run (replicate). */
const pointValues = async (db: string, conn: Parameters<typeof readRows>[0], columns: ReadonlyArray<FactorColumn>, metric: string, at: At): Promise<{ points: PointValue[]; runs: number }> => {
  const cols = columns.map((c) => `r.${ident(c.name)}`).join(", ")
  const m = ident(metric)
  const source = at === "final"
    ? `SELECT run_id, ${m} AS y, tick FROM final`
    : at === "mean"
      ? `SELECT run_id, avg(${m}) AS y, max(tick) AS tick FROM metrics GROUP BY run_id`
      : `SELECT run_id, ${m} AS y, tick FROM metrics WHERE tick = ${at}`
  const rows = await readRows(conn, `
    WITH v AS (${source}), last AS (SELECT run_id, max(tick) AS last FROM metrics GROUP BY run_id)
    SELECT r.run_id, r.point_id, r.replicate, ${cols}, v.y, v.tick IS NULL AS missing, last.last
    FROM runs r LEFT JOIN v USING (run_id) LEFT JOIN last USING (run_id)
    WHERE r.status = 'done' ORDER BY r.point_id, r.replicate`)
  if (rows.length === 0) throw new InputError({ file: db, path: "", message: "holds no done runs; run kiln sweep (with --resume to complete it) first" })
  const byPoint = new Map<string, PointValue>()
  for (const r of rows) {
    if (r.missing) {
      throw new InputError({
        file: db, path: "--at",
        message: `run ${r.run_id} has no record at tick ${at} (its records end at tick ${r.last ?? "?"}; ticks are recorded every recordEvery); choose a recorded tick, final or mean`
      })
    }
    if (r.y === null || r.y === undefined || !Number.isFinite(Number(r.y))) {
      throw new InputError({ file: db, path: "--metric", message: `${metric} is undefined (NULL) at ${describeAt(at)} of run ${r.run_id}; choose another metric or --at` })
    }
    const key = String(r.point_id)
    const p = byPoint.get(key) ?? { values: Object.fromEntries(columns.map((c) => [c.name, r[c.name]])), ys: new Map<number, number>() }
    p.ys.set(Number(r.replicate), Number(r.y))
    byPoint.set(key, p)
  }
  return { points: [...byPoint.values()], runs: rows.length }
}

/**
 * The points' values averaged over the replicates all of them ran, so the points an estimator compares share their
 * seeds (common random numbers) even when some runs are missing; undefined when they share none.
 */
const sharedMeans = (points: ReadonlyArray<PointValue>): { means: number[]; replicates: number } | undefined => {
  const shared = [...points[0].ys.keys()].filter((r) => points.every((p) => p.ys.has(r))).sort((a, b) => a - b)
  if (shared.length === 0) return undefined
  return { means: points.map((p) => shared.reduce((s, r) => s + p.ys.get(r)!, 0) / shared.length), replicates: shared.length }
}

/**
 * Sobol indices (sobol) or elementary effects (morris) of `metric` from the store `db`, swept with a sobol or
 * morris sample. Replicates of a point are averaged first; bad input throws InputError naming the db and the flag.
 */
export const analyzeStore = async (db: string, method: SensitivityMethod, o: AnalyzeOptions): Promise<SensitivityAnalysis> => {
  const at = o.at ?? "final"
  const conf = o.conf ?? 0.95
  const resamples = o.resamples ?? 1000
  const seed = o.seed ?? 1
  if (!(conf > 0 && conf < 1)) throw new InputError({ file: db, path: "--conf", message: `expected a number in (0, 1), got ${conf}` })
  if (!Number.isInteger(resamples) || resamples < 0) throw new InputError({ file: db, path: "--resamples", message: `expected an integer >= 0, got ${resamples}` })
  if (!Number.isInteger(seed) || seed < 0) throw new InputError({ file: db, path: "--seed", message: `expected an integer >= 0, got ${seed}` })
  if (typeof at === "number" && !(Number.isSafeInteger(at) && at >= 0)) throw new InputError({ file: db, path: "--at", message: `expected a tick >= 0, got ${at}` })
  const h = await openDb(db, true)
  try {
    const meta = await readMetaFrom(h.conn)
    if (meta === undefined) throw new InputError({ file: db, path: "", message: "not a Kiln experiment database (no experiment table)" })
    const { params, sample } = designOf(db, meta, method)
    const metrics = (await columnNames(h.conn, "metrics")).slice(2)
    if (!metrics.includes(o.metric)) {
      throw new InputError({ file: db, path: "--metric", message: `unknown metric "${o.metric}" (known: ${metrics.join(", ")})` })
    }
    const structure = Object.values(method === "sobol" ? SOBOL_COLUMNS : MORRIS_COLUMNS)
    const columns = [...params, ...meta.factors.filter((c) => structure.includes(c.name as never))]
    const { points, runs } = await pointValues(db, h.conn, columns, o.metric, at)
    const common = { db, experiment: meta.name, metric: o.metric, at, conf, resamples, seed, points: points.length, runs }
    return method === "sobol"
      ? sobolOf(db, common, params, points, sample.count, { conf, resamples, seed })
      : morrisOf(db, common, params, points, sample, { conf, resamples, seed })
  } finally {
    closeDb(h)
  }
}

type Boot = { conf: number; resamples: number; seed: number }
const span = (xs: ReadonlyArray<number>) => ({ min: Math.min(...xs), max: Math.max(...xs) })

const sobolOf = (
  db: string, common: Omit<Common, "replicates">, params: ReadonlyArray<FactorColumn>, points: ReadonlyArray<PointValue>, designRows: number, boot: Boot
): SobolAnalysis => {
  const k = params.length
  const slot = new Map(params.map((c, i) => [c.name, i]))
  // row j → its points A_j, B_j, A_B^(1)_j … A_B^(k)_j
  const rows = new Map<number, Array<PointValue | undefined>>()
  for (const p of points) {
    const j = Number(p.values[SOBOL_COLUMNS.row])
    // filled with undefined, not holes: every() skips holes
    const row = rows.get(j) ?? Array.from({ length: k + 2 }, (): PointValue | undefined => undefined)
    const block = String(p.values[SOBOL_COLUMNS.block])
    row[block === "A" ? 0 : block === "B" ? 1 : 2 + slot.get(String(p.values[SOBOL_COLUMNS.factor]))!] = p
    rows.set(j, row)
  }
  // a row counts when all its points ran a replicate in common
  const complete = [...rows.entries()].sort((x, y) => x[0] - y[0]).flatMap(([, row]) => {
    if (row.some((p) => p === undefined)) return []
    const m = sharedMeans(row as PointValue[])
    return m === undefined ? [] : [m]
  })
  if (complete.length === 0) {
    throw new InputError({ file: db, path: "", message: `no row of the Saltelli design is complete (A_j, B_j and every A_B^(i)_j done); complete the sweep with kiln sweep --resume` })
  }
  const n = complete.length
  const a = Float64Array.from(complete, (r) => r.means[0])
  const b = Float64Array.from(complete, (r) => r.means[1])
  const ab = new Float64Array(n * k)
  complete.forEach((r, j) => {
    for (let i = 0; i < k; i++) ab[i * n + j] = r.means[2 + i]
  })
  const r = sobolIndices({ a, b, ab }, boot)
  if (!(r.variance > 0)) {
    throw new InputError({
      file: db, path: "--metric",
      message: `${common.metric} at ${describeAt(common.at)} is the same at every point of the design (variance 0): Sobol indices are undefined; choose another metric or --at`
    })
  }
  return {
    method: "sobol", ...common, replicates: span(complete.map((c) => c.replicates)), rows: n, designRows, variance: r.variance,
    indices: r.indices.map((x, i) => ({ factor: params[i].name, S1: x.s1, S1_lo: x.s1Conf.lo, S1_hi: x.s1Conf.hi, ST: x.st, ST_lo: x.stConf.lo, ST_hi: x.stConf.hi }))
  }
}

const morrisOf = (
  db: string, common: Omit<Common, "replicates">, params: ReadonlyArray<FactorColumn>, points: ReadonlyArray<PointValue>,
  sample: { readonly levels?: number; readonly ranges: Record<string, { from: number; to: number }> }, boot: Boot
): MorrisAnalysis => {
  const k = params.length
  const slot = new Map(params.map((c, i) => [c.name, i]))
  const width = params.map((c) => {
    const r = sample.ranges[c.paths[0]]
    return r.to - r.from
  })
  const byTrajectory = new Map<number, Map<number, PointValue>>()
  for (const p of points) {
    const t = Number(p.values[MORRIS_COLUMNS.trajectory])
    const steps = byTrajectory.get(t) ?? new Map<number, PointValue>()
    steps.set(Number(p.values[MORRIS_COLUMNS.step]), p)
    byTrajectory.set(t, steps)
  }
  // an effect per step whose predecessor ran a replicate in common with it: the change of y over the moved
  // factor's change, in units of its range
  const effects: ElementaryEffect[] = []
  const used: number[] = []
  for (const [t, steps] of [...byTrajectory.entries()].sort((x, y) => x[0] - y[0])) {
    for (const [s, cur] of [...steps.entries()].sort((x, y) => x[0] - y[0])) {
      const prev = steps.get(s - 1)
      const m = s === 0 || prev === undefined ? undefined : sharedMeans([prev, cur])
      if (m === undefined) continue
      const name = String(cur.values[MORRIS_COLUMNS.factor])
      const i = slot.get(name)!
      const du = (Number(cur.values[name]) - Number(prev!.values[name])) / width[i]
      effects.push({ trajectory: t, factor: i, effect: (m.means[1] - m.means[0]) / du })
      used.push(m.replicates)
    }
  }
  if (effects.length === 0) {
    throw new InputError({ file: db, path: "", message: "no step of any Morris trajectory has both its points done; complete the sweep with kiln sweep --resume" })
  }
  const r = morrisEffects(effects, k, boot)
  return {
    method: "morris", ...common, replicates: span(used), trajectories: r.trajectories, levels: sample.levels ?? DEFAULT_MORRIS_LEVELS,
    effects: r.effects.map((e, i) => ({
      factor: params[i].name, mu: e.mu, mu_star: e.muStar, mu_star_lo: e.muStarConf.lo, mu_star_hi: e.muStarConf.hi, sigma: e.sigma, r: e.r
    }))
  }
}

// ---------------------------------------------------------------- output

const num = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : "—")
const pct = (conf: number): string => `${Number((conf * 100).toPrecision(6))}%`

/** A fixed-width text table, columns right-aligned after the first. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const width = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((s, c) => (c === 0 ? s.padEnd(width[c]) : s.padStart(width[c]))).join("  ").trimEnd()
  return [line(header), ...rows.map(line)].join("\n") + "\n"
}

/** The analysis as the table `kiln analyze` prints. */
export const formatAnalysis = (a: SensitivityAnalysis): string => {
  const reps = a.replicates.min === a.replicates.max ? `${a.replicates.min}` : `${a.replicates.min}–${a.replicates.max}`
  const ci = `${pct(a.conf)} interval`
  if (a.method === "sobol") {
    const head = `Sobol indices of ${a.metric} at ${describeAt(a.at)} — ${a.experiment} (${a.db})\n` +
      `${a.rows} of ${a.designRows} rows of A and B complete; ${a.points} points, ${a.runs} runs (${reps} replicates per point, averaged); Var(Y) = ${a.variance.toPrecision(4)}\n` +
      `Jansen estimators; percentile bootstrap over rows, ${a.resamples} resamples, seed ${a.seed}\n\n`
    return head + table(
      ["factor", "S1", `S1 ${ci}`, "ST", `ST ${ci}`],
      a.indices.map((x) => [x.factor, num(x.S1), `[${num(x.S1_lo)}, ${num(x.S1_hi)}]`, num(x.ST), `[${num(x.ST_lo)}, ${num(x.ST_hi)}]`])
    )
  }
  const head = `Morris elementary effects of ${a.metric} at ${describeAt(a.at)} — ${a.experiment} (${a.db})\n` +
    `${a.trajectories} trajectories on ${a.levels} levels; ${a.points} points, ${a.runs} runs (${reps} replicates per point, averaged); ` +
    `effects per whole range of each factor\npercentile bootstrap of μ* over trajectories, ${a.resamples} resamples, seed ${a.seed}\n\n`
  const g = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : "—")
  return head + table(
    ["factor", "μ", "μ*", `μ* ${ci}`, "σ", "r"],
    a.effects.map((e) => [e.factor, g(e.mu), g(e.mu_star), `[${g(e.mu_star_lo)}, ${g(e.mu_star_hi)}]`, g(e.sigma), String(e.r)])
  )
}

const csvCell = (v: unknown): string => {
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : ""
  const s = String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The analysis as CSV (one row per factor) or JSON (everything), chosen by the file's extension. */
export const analysisText = (a: SensitivityAnalysis, format: "csv" | "json"): string => {
  if (format === "json") return JSON.stringify(a, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n"
  const rows: ReadonlyArray<object> = a.method === "sobol" ? a.indices : a.effects
  const header = Object.keys(rows[0])
  return [header.join(","), ...rows.map((r) => header.map((h) => csvCell((r as Record<string, unknown>)[h])).join(","))].join("\n") + "\n"
}

/** Writes the analysis to `out` (.csv or .json) through a temporary file renamed into place; returns its path. */
export const writeAnalysis = (a: SensitivityAnalysis, out: string): string => {
  const ext = extname(out).toLowerCase()
  if (ext !== ".csv" && ext !== ".json") throw new InputError({ file: out, path: "--out", message: "expected a file ending in .csv or .json" })
  const file = resolve(out)
  ensureDir(dirname(file))
  writeFileAtomic(file, analysisText(a, ext === ".csv" ? "csv" : "json"))
  return file
}
