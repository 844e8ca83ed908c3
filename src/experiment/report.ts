// The HTML report: one self-contained file (opens offline) with Vega-Lite charts of an experiment DB or a run
// directory. Vega and Vega-Lite are inlined from node_modules; each chart's spec sits in the page as JSON.
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join, resolve } from "node:path"
import { ensureDir, writeFileAtomic } from "../io/output-dir.js"
import { finalSpec, formatValue, loadResults, timeSpec, type Results, type VegaLiteSpec } from "./charts.js"
import { mullerSpec, reportLineages } from "./muller-chart.js"

const require = createRequire(import.meta.url)

/** The minified browser bundle of a package's build folder (vega, vega-lite). */
const bundle = (pkg: string, file: string): string =>
  readFileSync(join(dirname(require.resolve(pkg)), file), "utf8").replace(/<\/script/gi, "<\\/script")

const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** JSON that is safe inside a <script> element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, "\\u003c")

const chart = (spec: VegaLiteSpec): string =>
  `<figure class="chart"><script type="application/vnd.vegalite+json">${scriptJson(spec)}</script></figure>`

const table = (rows: ReadonlyArray<Record<string, unknown>>): string => {
  if (rows.length === 0) return "<p>none</p>"
  const cols = Object.keys(rows[0])
  return `<table><thead><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(formatValue(r[c]))}</td>`).join("")}</tr>`).join("") +
    "</tbody></table>"
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; } dt { color: #666; } dd { margin: 0; }
.grid { display: flex; flex-wrap: wrap; gap: 1rem; } figure.chart { margin: 0; }
table { border-collapse: collapse; font-size: 13px; } th, td { padding: .2rem .6rem; border-bottom: 1px solid #eee; text-align: left; }
td { font-variant-numeric: tabular-nums; } .note { color: #666; } pre { white-space: pre-wrap; }
.vega-bindings { font-size: 13px; margin: .3rem 0; }
`

/** Renders every embedded spec with Vega (Vega-Lite compiled in the page): no vega-embed, no network. */
const RENDER = `
for (const el of document.querySelectorAll('script[type="application/vnd.vegalite+json"]')) {
  const div = document.createElement("div");
  el.after(div);
  try {
    const spec = vegaLite.compile(JSON.parse(el.textContent)).spec;
    new vega.View(vega.parse(spec), { renderer: "svg", container: div, hover: true }).runAsync();
  } catch (e) {
    div.textContent = "chart failed: " + e.message;
  }
}
`

/** The charts of a report: metrics over time, then final metrics against each swept parameter. */
export const reportSpecs = (r: Results): { time: VegaLiteSpec[]; final: VegaLiteSpec[] } => ({
  time: r.metrics.map((m) => timeSpec(r, m)),
  final: r.finals.length === 0 ? [] : r.factors.map((c) => finalSpec(r, c))
})

/** The report of a DB or run directory as one HTML string. */
export const reportHtml = async (input: string): Promise<string> => {
  const r = await loadResults(input)
  const specs = reportSpecs(r)
  const muller = (await reportLineages(input)).filter((l) => l.counts.some((c) => c.hosts > 0)).map((l) => mullerSpec(l, { width: 560, height: 260 }))
  const about = r.about.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")
  const sections = [
    `<h2>Metrics over time</h2><p class="note">${r.kind === "experiment"
      ? "Mean over the replicates of each design point (line) and its 95% t-interval (band)."
      : "One run."}</p><div class="grid">${specs.time.map(chart).join("")}</div>`,
    ...(specs.final.length > 0
      ? [`<h2>Final metrics against the swept parameters</h2><p class="note">The last recorded row of each run; pick the metric in the menu under each chart.</p><div class="grid">${specs.final.map(chart).join("")}</div>`]
      : []),
    ...(muller.length > 0
      ? [`<h2>Meme lineages</h2><p class="note">${r.kind === "experiment"
        ? "Muller plots of the first replicate of each design point (at most 8): each band is a clade of meme variants, nested in its parent's."
        : "Each band is a clade of meme variants, nested in its parent's."}</p><div class="grid">${muller.map(chart).join("")}</div>`]
      : []),
    ...(r.kind === "experiment" ? [`<h2>Design</h2>${table(r.design)}`] : []),
    ...(r.failures.length > 0 ? [`<h2>Failed runs</h2>${table(r.failures)}`] : [])
  ]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiln report: ${escapeHtml(r.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(r.name)}</h1>
${r.description ? `<p>${escapeHtml(r.description)}</p>` : ""}
<dl><dt>source</dt><dd>${escapeHtml(basename(input))}</dd>${about}</dl>
${sections.join("\n")}
<script>${bundle("vega", "vega.min.js")}</script>
<script>${bundle("vega-lite", "vega-lite.min.js")}</script>
<script>${RENDER}</script>
</body>
</html>
`
}

/** Writes the report (atomically: a temporary file renamed into place) and returns its path. */
export const writeReport = async (input: string, out: string): Promise<string> => {
  const html = await reportHtml(input)
  const file = resolve(out)
  ensureDir(dirname(file))
  writeFileAtomic(file, html)
  return file
}
