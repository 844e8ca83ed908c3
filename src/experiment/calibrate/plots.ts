// Charts of a calibration, as `kiln plot` draws them (Vega-Lite → SVG): each parameter's weighted histogram per
// population, and the tolerance per generation.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { renderSvg } from "../plot.js"
import type { VegaLiteSpec } from "../charts.js"
import type { AbcGeneration, AbcParameter } from "./abc.js"

const BINS = 30

/**
 * Weighted histogram of parameter a over its prior range, as density on the sampling scale (ln θ for a log-uniform
 * prior): bins of equal width there, drawn on a log axis.
 */
export const histogram = (q: AbcParameter, g: AbcGeneration, a: number): Array<{ lo: number; hi: number; density: number }> => {
  const log = q.prior === "log-uniform"
  const lo = log ? Math.log(q.from) : q.from
  const hi = log ? Math.log(q.to) : q.to
  const width = (hi - lo) / BINS
  const mass = new Float64Array(BINS)
  g.particles.forEach((p, i) => {
    const u = log ? Math.log(p[a]) : p[a]
    mass[Math.min(BINS - 1, Math.max(0, Math.floor((u - lo) / width)))] += g.weights[i]
  })
  const back = (u: number) => (log ? Math.exp(u) : u)
  return Array.from(mass, (m, k) => ({ lo: back(lo + k * width), hi: back(lo + (k + 1) * width), density: m / width }))
}

/** One parameter: the populations' histograms, the prior (generation 0) faint and the posterior strongest. */
export const marginalSpec = (q: AbcParameter & { path: string }, a: number, gens: ReadonlyArray<AbcGeneration>): VegaLiteSpec => {
  const last = gens[gens.length - 1].generation
  const values = gens.flatMap((g) => histogram(q, g, a).map((b) => ({ ...b, generation: g.generation })))
  return {
    title: { text: `${q.name}`, subtitle: `${q.path}: weighted histogram per generation (${q.prior} prior on [${q.from}, ${q.to}]; ${last} is the posterior)` },
    width: 420,
    height: 220,
    data: { values },
    mark: { type: "rect", opacity: 0.45 },
    encoding: {
      x: { field: "lo", type: "quantitative", title: q.name, scale: { type: q.prior === "log-uniform" ? "log" : "linear", domain: [q.from, q.to], nice: false } },
      x2: { field: "hi" },
      y: { field: "density", type: "quantitative", title: q.prior === "log-uniform" ? "density in ln θ" : "density", stack: null },
      color: { field: "generation", type: "ordinal", title: "generation", scale: { scheme: "viridis", reverse: true } },
      tooltip: [{ field: "generation" }, { field: "lo", format: ".4g" }, { field: "hi", format: ".4g" }, { field: "density", format: ".4g" }]
    }
  }
}

/** The tolerance per generation (from generation 1; generation 0 is the prior, accepted without one), on a log axis. */
export const toleranceSpec = (gens: ReadonlyArray<AbcGeneration>): VegaLiteSpec => ({
  title: { text: "tolerance", subtitle: "ε per generation: the α-quantile of the previous generation's distances" },
  width: 360,
  height: 200,
  data: { values: gens.filter((g) => Number.isFinite(g.epsilon)).map((g) => ({ generation: g.generation, epsilon: g.epsilon, acceptance: g.hits / g.proposed })) },
  mark: { type: "line", point: true },
  encoding: {
    x: { field: "generation", type: "quantitative", axis: { tickMinStep: 1, format: "d" } },
    y: { field: "epsilon", type: "quantitative", title: "ε", scale: { type: "log" } },
    tooltip: [{ field: "generation" }, { field: "epsilon", format: ".4g" }, { field: "acceptance", format: ".1%" }]
  }
})

/** Writes marginal-<name>.svg per parameter and tolerance.svg into `dir`; returns the file names. */
export const writePlots = async (dir: string, parameters: ReadonlyArray<AbcParameter & { path: string }>, gens: ReadonlyArray<AbcGeneration>): Promise<string[]> => {
  const files: string[] = []
  for (const [a, q] of parameters.entries()) {
    const name = `marginal-${q.name}.svg`
    writeFileSync(join(dir, name), await renderSvg(marginalSpec(q, a, gens)))
    files.push(name)
  }
  if (gens.some((g) => Number.isFinite(g.epsilon))) {
    writeFileSync(join(dir, "tolerance.svg"), await renderSvg(toleranceSpec(gens)))
    files.push("tolerance.svg")
  }
  return files
}
