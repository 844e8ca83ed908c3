// `kiln plot`: one chart of an experiment DB or a run directory, rendered by Vega to SVG, or to PNG via resvg.
import { existsSync, statSync } from "node:fs"
import { dirname, extname, resolve } from "node:path"
import { ensureDir, writeFileAtomic } from "../io/output-dir.js"
import { InputError } from "../errors.js"
import { checkMetric, factorNamed, finalSpec, loadResults, morrisSpec, sobolSpec, timeSpec, type VegaLiteSpec } from "./charts.js"
import { loadLineages, mullerSpec } from "./muller-chart.js"
import { analyzeStore, sensitivityKindOf, type SensitivityAnalysis } from "./sensitivity/analyze.js"
import { readMeta } from "./store.js"

export interface PlotOptions {
  /** the metric to draw */
  readonly metric: string
  /** a swept parameter: draw final values against it instead of the metric over time */
  readonly against?: string
  /** .svg or .png */
  readonly out: string
  readonly width?: number
  readonly height?: number
  /** PNG pixels per SVG pixel (default 2) */
  readonly scale?: number
}

/** Renders a Vega-Lite spec to an SVG string in Node (no browser, no canvas). */
export const renderSvg = async (spec: VegaLiteSpec): Promise<string> => {
  const vega = await import("vega")
  const vegaLite = await import("vega-lite")
  const compiled = vegaLite.compile({ background: "white", ...spec } as any).spec
  const view = new vega.View(vega.parse(compiled), { renderer: "none" })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** SVG to PNG with the system's fonts (DejaVu Sans when a generic family is asked for). */
export const svgToPng = async (svg: string, scale = 2): Promise<Uint8Array> => {
  const { Resvg } = await import("@resvg/resvg-js")
  const r = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" }
  })
  return r.render().asPng()
}

/**
 * The spec `kiln plot` draws for these options. A store of a sobol or morris design draws the metric's indices
 * (its final values, 95% intervals; `kiln analyze --plot` chooses otherwise) unless `against` asks for final values.
 */
export const plotSpec = async (input: string, o: Omit<PlotOptions, "out">): Promise<VegaLiteSpec> => {
  const size = { width: o.width ?? 480, height: o.height ?? 280 }
  if (o.against === undefined && existsSync(input) && statSync(input).isFile()) {
    const method = sensitivityKindOf((await readMeta(input))?.factors ?? [])
    if (method !== undefined) {
      const a = await analyzeStore(input, method, { metric: o.metric })
      return a.method === "sobol" ? sobolSpec(a, size) : morrisSpec(a, size)
    }
  }
  const r = await loadResults(input)
  checkMetric(r, o.metric, input)
  if (o.against === undefined) return timeSpec(r, o.metric, size)
  if (r.finals.length === 0) throw new InputError({ file: input, path: "--against", message: "no done runs to plot" })
  return finalSpec(r, factorNamed(r, o.against, input), o.metric, size)
}

/** Draws one chart to `o.out` (.svg or .png) and returns the file's path. */
export const plot = async (input: string, o: PlotOptions): Promise<string> => {
  checkOut(o.out)
  return writeChart(await plotSpec(input, o), o)
}

export interface MullerPlotOptions {
  /** the run of an experiment DB (may be left out when only one run has lineages) */
  readonly run?: string
  /** clades drawn besides the founders (default 30) */
  readonly top?: number
  /** .svg or .png */
  readonly out: string
  readonly width?: number
  readonly height?: number
  /** PNG pixels per SVG pixel (default 2) */
  readonly scale?: number
}

/** Draws the Muller plot of a run's meme lineages to `o.out` (.svg or .png) and returns the file's path. */
export const plotMuller = async (input: string, o: MullerPlotOptions): Promise<string> => {
  checkOut(o.out)
  if (o.top !== undefined && !(Number.isInteger(o.top) && o.top >= 0)) throw new InputError({ file: input, path: "--top", message: `expected an integer >= 0, got ${o.top}` })
  const lineages = await loadLineages(input, o.run)
  if (!lineages.counts.some((c) => c.hosts > 0)) {
    throw new InputError({ file: input, path: o.run ? "--run" : "variants", message: "no agent ever carried a variant in this run (was a meme seeded?): nothing to draw" })
  }
  return writeChart(mullerSpec(lineages, { top: o.top, width: o.width ?? 640, height: o.height ?? 320 }), o)
}

export interface SensitivityPlotOptions {
  /** .svg or .png */
  readonly out: string
  readonly width?: number
  readonly height?: number
  /** PNG pixels per SVG pixel (default 2) */
  readonly scale?: number
}

/** Draws a sensitivity analysis (Sobol: bars with interval whiskers; Morris: σ against μ*) to `o.out` and returns the file's path. */
export const plotSensitivity = async (a: SensitivityAnalysis, o: SensitivityPlotOptions): Promise<string> => {
  checkOut(o.out)
  const size = { width: o.width ?? 480, height: o.height ?? 280 }
  return writeChart(a.method === "sobol" ? sobolSpec(a, size) : morrisSpec(a, size), o)
}

/** Refuses an output that is neither .svg nor .png (before any work is done). */
export const checkOut = (out: string): void => {
  const ext = extname(out).toLowerCase()
  if (ext !== ".svg" && ext !== ".png") throw new InputError({ file: out, path: "--out", message: "expected a file ending in .svg or .png" })
}

/** Renders a spec to `o.out` (atomically: a temporary file renamed into place). */
const writeChart = async (spec: VegaLiteSpec, o: { readonly out: string; readonly scale?: number }): Promise<string> => {
  const svg = await renderSvg(spec)
  const data = extname(o.out).toLowerCase() === ".svg" ? svg : await svgToPng(svg, o.scale)
  const file = resolve(o.out)
  ensureDir(dirname(file))
  writeFileAtomic(file, data)
  return file
}
