// Results for charts, read from an experiment DB or a run directory, and the Vega-Lite specs drawn from them.
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { InputError } from "../errors.js"
import type { FactorColumn } from "./design.js"
import type { MorrisAnalysis, SobolAnalysis } from "./sensitivity/analyze.js"
import { closeDb, columnNames, ident, literal, openDb, readMetaFrom, readRows } from "./store.js"

/** One point of a time series: mean and 95% interval over replicates of a group at a tick. */
export interface SeriesRow {
  readonly group: string
  readonly metric: string
  readonly tick: number
  readonly mean: number
  readonly lo: number
  readonly hi: number
  readonly n: number
}

export interface Results {
  readonly kind: "experiment" | "run"
  readonly name: string
  readonly description: string
  /** label: value lines for the report header */
  readonly about: ReadonlyArray<readonly [string, string]>
  /** metric names, without tick */
  readonly metrics: ReadonlyArray<string>
  readonly factors: ReadonlyArray<FactorColumn>
  /** what a series group is: the factor names joined (or the scenario name) */
  readonly groupTitle: string
  readonly series: ReadonlyArray<SeriesRow>
  /** one row per done run: factor columns and final metrics */
  readonly finals: ReadonlyArray<Record<string, unknown>>
  /** one row per point: factor values, done and failed counts, mean wall time */
  readonly design: ReadonlyArray<Record<string, unknown>>
  readonly failures: ReadonlyArray<{ readonly run_id: string; readonly error: string }>
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042]
export const tQuantile = (df: number): number => (df < 1 ? NaN : df <= 30 ? T975[df - 1] : 1.96)

const interval = (mean: number, sd: number | null, n: number): { lo: number; hi: number } => {
  if (n < 2 || sd === null || !Number.isFinite(sd)) return { lo: mean, hi: mean }
  const half = (tQuantile(n - 1) * sd) / Math.sqrt(n)
  return { lo: mean - half, hi: mean + half }
}

/** At most this many ticks per series: longer series are thinned evenly (the last tick kept). */
const MAX_TICKS = 400

/** A compact label: numbers in at most 6 significant digits. */
export const formatValue = (v: unknown): string =>
  typeof v === "number" ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))) : v === null || v === undefined ? "" : String(v)

/** Reads what charts need from an experiment DB (a file) or a run directory of `kiln run`. */
export const loadResults = async (path: string): Promise<Results> => {
  if (!existsSync(path)) throw new InputError({ file: path, path: "", message: "no such file or directory" })
  return statSync(path).isDirectory() ? loadRunDir(path) : loadExperimentDb(path)
}

const loadExperimentDb = async (path: string): Promise<Results> => {
  const h = await openDb(path, true)
  try {
    const meta = await readMetaFrom(h.conn)
    if (meta === undefined) throw new InputError({ file: path, path: "", message: "not a Kiln experiment database (no experiment table)" })
    const factors = meta.factors
    const metrics = (await columnNames(h.conn, "metrics")).slice(2)
    const f = factors.map((c) => ident(c.name))
    const points = await readRows(h.conn, `SELECT point_id${f.map((c) => `, ${c}`).join("")} FROM runs GROUP BY ALL ORDER BY ${[...f, "point_id"].join(", ")}`)
    const label = new Map(points.map((p) => [String(p.point_id), factors.length === 0 ? meta.name : factors.map((c) => formatValue(p[c.name])).join(" · ")]))
    const stride = Math.max(1, Math.ceil(Number((await readRows(h.conn, "SELECT count(DISTINCT tick) AS n FROM metrics"))[0].n) / MAX_TICKS))
    const raw = metrics.length === 0 ? [] : await readRows(h.conn, `
      WITH t AS (SELECT tick, row_number() OVER (ORDER BY tick) - 1 AS k, count(*) OVER () AS total FROM (SELECT DISTINCT tick FROM metrics)),
      m AS (SELECT m.* FROM metrics m JOIN runs r USING (run_id) JOIN t USING (tick) WHERE r.status = 'done' AND (t.k % ${stride} = 0 OR t.k = t.total - 1)),
      j AS (SELECT r.point_id, m.* EXCLUDE (run_id) FROM m JOIN runs r USING (run_id)),
      u AS (UNPIVOT j ON ${metrics.map(ident).join(", ")} INTO NAME metric VALUE value)
      SELECT point_id, metric, tick, avg(value) AS mean, stddev_samp(value) AS sd, count(value) AS n FROM u GROUP BY ALL ORDER BY point_id, metric, tick`)
    const series = raw.map((r) => ({
      group: label.get(String(r.point_id)) ?? String(r.point_id),
      metric: String(r.metric),
      tick: Number(r.tick),
      mean: Number(r.mean),
      ...interval(Number(r.mean), r.sd as number | null, Number(r.n)),
      n: Number(r.n)
    }))
    const finals = await readRows(h.conn,
      `SELECT r.run_id, r.replicate${f.map((c) => `, r.${c}`).join("")}, f.* EXCLUDE (run_id) FROM final f JOIN runs r USING (run_id) WHERE r.status = 'done' ORDER BY r.run_id`)
    const design = await readRows(h.conn, `SELECT point_id${f.map((c) => `, ${c}`).join("")},
      count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS failed,
      round(avg(wall_seconds) FILTER (WHERE status = 'done'), 3) AS mean_wall_seconds, round(avg(ticks), 1) AS mean_ticks
      FROM runs GROUP BY ALL ORDER BY ${[...f, "point_id"].join(", ")}`)
    const failures = (await readRows(h.conn, "SELECT run_id, error FROM runs WHERE status = 'failed' ORDER BY run_id LIMIT 50"))
      .map((r) => ({ run_id: String(r.run_id), error: String(r.error ?? "") }))
    const [counts] = await readRows(h.conn,
      "SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS failed, count(DISTINCT point_id) AS points FROM runs")
    const def = meta.definition as { experiment?: { replicates?: number; seed?: number; ticks?: number } }
    return {
      kind: "experiment",
      name: meta.name,
      description: meta.description,
      about: [
        ["runs", `${counts.done} done, ${counts.failed} failed, ${counts.points} points`],
        ["swept", factors.map((c) => `${c.name} (${c.kind}${c.paths.length > 0 ? `: ${c.paths.join(", ")}` : ""})`).join("; ") || "nothing"],
        ["replicates", String(def.experiment?.replicates ?? "")],
        ["experiment seed", String(def.experiment?.seed ?? "")],
        ["identity", meta.identity],
        ["Kiln", meta.kilnVersion]
      ],
      metrics,
      factors,
      groupTitle: factors.length === 0 ? "experiment" : factors.map((c) => c.name).join(" · "),
      series,
      finals,
      design,
      failures
    }
  } finally {
    closeDb(h)
  }
}

const loadRunDir = async (dir: string): Promise<Results> => {
  const manifestFile = join(dir, "manifest.json")
  const csv = join(dir, "metrics.csv")
  if (!existsSync(manifestFile) || !existsSync(csv)) {
    throw new InputError({ file: dir, path: "", message: "not a run directory (expected manifest.json and metrics.csv, written by kiln run)" })
  }
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as {
    scenario?: { name?: string; description?: string }; seed?: number; ticks?: number; agents?: number; kiln?: string; wallSeconds?: number
  }
  const h = await openDb(":memory:", false)
  try {
    const rows = await readRows(h.conn, `SELECT * FROM read_csv(${literal(csv)}, header = true) ORDER BY tick`)
    const metrics = rows.length === 0 ? [] : Object.keys(rows[0]).filter((c) => c !== "tick")
    const stride = Math.max(1, Math.ceil(rows.length / MAX_TICKS))
    const name = manifest.scenario?.name ?? "run"
    const series = rows
      .filter((_, k) => k % stride === 0 || k === rows.length - 1)
      .flatMap((r) => metrics.map((m) => ({ group: name, metric: m, tick: Number(r.tick), mean: Number(r[m]), lo: Number(r[m]), hi: Number(r[m]), n: 1 })))
    return {
      kind: "run",
      name,
      description: manifest.scenario?.description ?? "",
      about: [
        ["seed", String(manifest.seed ?? "")],
        ["agents", String(manifest.agents ?? "")],
        ["ticks", String(manifest.ticks ?? "")],
        ["wall time", `${manifest.wallSeconds ?? ""} s`],
        ["Kiln", String(manifest.kiln ?? "")]
      ],
      metrics,
      factors: [],
      groupTitle: "run",
      series,
      finals: [],
      design: [],
      failures: []
    }
  } finally {
    closeDb(h)
  }
}

// ---------------------------------------------------------------- Vega-Lite specs

export type VegaLiteSpec = Record<string, unknown>

/** A field reference: dots and brackets in names are escaped (Vega-Lite reads them as nesting). */
const field = (name: string): string => name.replace(/([.[\]\\])/g, "\\$1")

export interface Size {
  readonly width?: number
  readonly height?: number
}

const numericType = (c: FactorColumn): boolean => c.type === "BIGINT" || c.type === "DOUBLE"

/** A metric over time: mean line and 95% band per group. */
export const timeSpec = (r: Results, metric: string, size: Size = {}): VegaLiteSpec => {
  const values = r.series.filter((s) => s.metric === metric).map(({ group, tick, mean, lo, hi, n }) => ({ group, tick, mean, lo, hi, n }))
  const band = r.kind === "experiment" && values.some((v) => v.n > 1)
  return {
    title: { text: metric, subtitle: band ? "mean and 95% interval over replicates" : undefined },
    width: size.width ?? 300,
    height: size.height ?? 180,
    data: { values },
    encoding: {
      x: { field: "tick", type: "quantitative", title: "tick" },
      color: { field: "group", type: "nominal", title: r.groupTitle, legend: r.kind === "run" ? null : { labelLimit: 240, titleLimit: 320 } }
    },
    layer: [
      ...(band
        ? [{ mark: { type: "area", opacity: 0.2 }, encoding: { y: { field: "lo", type: "quantitative", title: metric }, y2: { field: "hi" } } }]
        : []),
      {
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          y: { field: "mean", type: "quantitative", title: metric, scale: { zero: false } },
          tooltip: [{ field: "group", title: r.groupTitle }, { field: "tick" }, { field: "mean", format: ".4g" }, { field: "lo", format: ".4g" }, { field: "hi", format: ".4g" }, { field: "n" }]
        }
      }
    ]
  }
}

/** The factor to colour a chart against `col` by: another factor with few levels. */
const colourFactor = (r: Results, col: FactorColumn): FactorColumn | undefined =>
  r.factors.find((c) => c !== col && new Set(r.finals.map((f) => f[c.name])).size <= 10)

/**
 * Final metric values against a swept parameter: one point per run and the mean per level. With `metric`
 * the chart shows that metric; without, a select menu picks among all of them (interactive report).
 */
export const finalSpec = (r: Results, col: FactorColumn, metric?: string, size: Size = {}): VegaLiteSpec => {
  const colour = colourFactor(r, col)
  const keep = [col.name, ...(colour ? [colour.name] : []), ...(metric ? [metric] : r.metrics)]
  const values = r.finals.map((f) => Object.fromEntries(keep.map((k) => [k, f[k]])))
  const x = {
    field: field(col.name), type: numericType(col) ? "quantitative" : "nominal", title: col.name,
    ...(numericType(col) ? { scale: { zero: false } } : { axis: { labelAngle: 0 } })
  }
  const color = colour ? { color: { field: field(colour.name), type: "nominal", title: colour.name } } : {}
  return {
    title: { text: metric ? `final ${metric}` : "final value", subtitle: `against ${col.name}; points: runs, line: mean` },
    width: size.width ?? 300,
    height: size.height ?? 200,
    ...(metric ? {} : { params: [{ name: "metric", value: r.metrics[0], bind: { input: "select", options: r.metrics, name: "metric " } }] }),
    data: { values },
    transform: metric
      ? [{ calculate: `datum[${JSON.stringify(metric)}]`, as: "value" }]
      : [{ fold: r.metrics.map(field), as: ["metric_name", "value"] }, { filter: "datum.metric_name === metric" }],
    encoding: { x, ...color },
    layer: [
      { mark: { type: "point", opacity: 0.6, filled: true }, encoding: { y: { field: "value", type: "quantitative", title: metric ?? "final value", scale: { zero: false } } } },
      { mark: { type: "line", strokeWidth: 2, point: !numericType(col) }, encoding: { y: { aggregate: "mean", field: "value", type: "quantitative" } } }
    ]
  }
}

/** The factor column named `name`, or an InputError listing the swept ones. */
export const factorNamed = (r: Results, name: string, file: string): FactorColumn => {
  const c = r.factors.find((c) => c.name === name)
  if (c === undefined) {
    throw new InputError({ file, path: "--against", message: `"${name}" is not a swept parameter (swept: ${r.factors.map((c) => c.name).join(", ") || "none"})` })
  }
  return c
}

export const checkMetric = (r: Results, metric: string, file: string): void => {
  if (!r.metrics.includes(metric)) {
    throw new InputError({ file, path: "--metric", message: `unknown metric "${metric}" (known: ${r.metrics.join(", ")})` })
  }
}

// ---------------------------------------------------------------- sensitivity indices

/** Sobol indices as bars (first-order and total side by side per factor) with the bootstrap intervals as whiskers. */
export const sobolSpec = (a: SobolAnalysis, size: Size = {}): VegaLiteSpec => {
  const values = a.indices.flatMap((x) => [
    { factor: x.factor, index: "S1 (first order)", value: x.S1, lo: x.S1_lo, hi: x.S1_hi },
    { factor: x.factor, index: "ST (total)", value: x.ST, lo: x.ST_lo, hi: x.ST_hi }
  ])
  const whiskers = values.every((v) => Number.isFinite(v.lo) && Number.isFinite(v.hi))
  return {
    title: {
      text: `Sobol indices of ${a.metric}`,
      subtitle: `${a.rows} rows × ${a.indices.length + 2} points; bars: Jansen estimates; whiskers: ${Number((a.conf * 100).toPrecision(6))}% bootstrap intervals`
    },
    width: size.width ?? 300,
    height: size.height ?? 200,
    data: { values },
    encoding: {
      x: { field: "factor", type: "nominal", title: null, axis: { labelAngle: 0 }, sort: null },
      xOffset: { field: "index", type: "nominal" },
      color: { field: "index", type: "nominal", title: null, legend: { orient: "top" } }
    },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y: { field: "value", type: "quantitative", title: "index" },
          tooltip: [{ field: "factor" }, { field: "index" }, { field: "value", format: ".3f" }, { field: "lo", format: ".3f" }, { field: "hi", format: ".3f" }]
        }
      },
      ...(whiskers ? [{ mark: { type: "rule", color: "black" }, encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } } }] : [])
    ]
  }
}

/** Morris effects: σ against μ* per factor, labelled, with μ*'s bootstrap interval as a horizontal whisker. */
export const morrisSpec = (a: MorrisAnalysis, size: Size = {}): VegaLiteSpec => {
  const values = a.effects.map((e) => ({ factor: e.factor, mu_star: e.mu_star, sigma: Number.isFinite(e.sigma) ? e.sigma : 0, mu: e.mu, lo: e.mu_star_lo, hi: e.mu_star_hi }))
  const whiskers = values.every((v) => Number.isFinite(v.lo) && Number.isFinite(v.hi))
  const x = { field: "mu_star", type: "quantitative", title: "μ* (mean |elementary effect|)" }
  const y = { field: "sigma", type: "quantitative", title: "σ (sd of the effects)" }
  return {
    title: { text: `Morris effects on ${a.metric}`, subtitle: `${a.trajectories} trajectories, ${a.levels} levels; effects per whole range of each factor` },
    width: size.width ?? 300,
    height: size.height ?? 200,
    data: { values },
    layer: [
      ...(whiskers ? [{ mark: { type: "rule", color: "#888" }, encoding: { x: { ...x, field: "lo" }, x2: { field: "hi" }, y } }] : []),
      {
        mark: { type: "point", filled: true, size: 60 },
        encoding: { x, y, color: { field: "factor", type: "nominal", legend: null }, tooltip: [{ field: "factor" }, { field: "mu", format: ".4g" }, { field: "mu_star", format: ".4g" }, { field: "sigma", format: ".4g" }] }
      },
      { mark: { type: "text", align: "left", dx: 6, dy: -6 }, encoding: { x, y, text: { field: "factor" } } }
    ]
  }
}
