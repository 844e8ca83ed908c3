// The tables of docs/MODEL.md that come from the registries: intervention kinds (§9) and metric columns.
// `npm run docs:tables` rewrites the marked regions; test/docs-tables.test.ts fails when they are stale.
import { interventionKinds } from "../model/interventions/index.js"
import { metricFamilies } from "../model/metrics/index.js"
import { placeholderName } from "../model/metrics/family.js"

const row = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`

export const interventionTable = (): string =>
  [
    row(["kind", "parameters (default)", "effect while active"]),
    "|---|---|---|",
    ...interventionKinds.map((e) => row([`\`${e.kind}\``, e.doc.parameters, e.doc.effect]))
  ].join("\n")

/** One row per column; a column per meme, group, pattern or belief shows its name with a placeholder. */
export const metricTable = (): string =>
  [
    row(["column", "meaning"]),
    "|---|---|",
    ...metricFamilies.flatMap((f) =>
      f.columns.map((c) => row([`\`${"each" in c ? placeholderName(c) : c.name}\``, c.doc]))
    )
  ].join("\n")

const tables: Record<string, () => string> = { interventions: interventionTable, metrics: metricTable }

/** Replaces every `<!-- generated:NAME -->` … `<!-- /generated -->` region of a markdown text with table NAME. */
export const renderTables = (markdown: string, file = "docs/MODEL.md"): string =>
  markdown.replace(/(<!-- generated:(\w+) -->\n)[\s\S]*?(<!-- \/generated -->)/g, (_m, open: string, name: string, close: string) => {
    const table = tables[name]
    if (table === undefined) throw new Error(`${file}: unknown generated region "${name}" (known: ${Object.keys(tables).join(", ")})`)
    return `${open}${table()}\n${close}`
  })
