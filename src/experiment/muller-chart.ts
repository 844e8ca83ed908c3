// Muller plots of a run's meme lineages as Vega-Lite: the lineage tree and host counts read from a run directory's
// lineages.parquet and variants.parquet or from a store's lineages and variants tables, laid out by muller.ts.
import { existsSync, readFileSync, statSync } from "node:fs"
import { basename, join } from "node:path"
import { InputError } from "../errors.js"
import { formatValue, type Size, type VegaLiteSpec } from "./charts.js"
import { DEFAULT_TOP, mullerLayout, lineageColour, type HostCount, type LineageNode, type MullerLayout } from "./muller.js"
import { closeDb, ident, literal, openDb, readMetaFrom, readRows } from "./store.js"

/** One run's lineages: the tree, host counts per tick, founder names by founder id, and what to call the run. */
export interface RunLineages {
  readonly label: string
  readonly founders: ReadonlyArray<string>
  readonly tree: ReadonlyArray<LineageNode>
  readonly counts: ReadonlyArray<HostCount>
}

type Conn = Awaited<ReturnType<typeof openDb>>["conn"]

const NO_LINEAGES = "no meme lineages: the run did not evolve memes (set evolution.memes in the scenario to record them)"

const readLineages = async (conn: Conn, from: { lineages: string; variants: string }, label: string): Promise<RunLineages> => {
  const rows = await readRows(conn, `SELECT variant, parent, root, founder, birth_tick FROM ${from.lineages} ORDER BY variant`)
  const tree = rows.map((r) => ({ id: Number(r.variant), parent: Number(r.parent), root: Number(r.root), birthTick: Number(r.birth_tick) }))
  const founders: string[] = []
  for (const r of rows) if (Number(r.parent) < 0) founders[Number(r.root)] = String(r.founder)
  const counts = (await readRows(conn, `SELECT tick, variant, hosts FROM ${from.variants} ORDER BY tick, variant`))
    .map((r) => ({ tick: Number(r.tick), variant: Number(r.variant), hosts: Number(r.hosts) }))
  return { label, founders, tree, counts }
}

/** "<scenario name>, seed <seed>" from a run directory's manifest. */
const runLabel = (dir: string): string => {
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { scenario?: { name?: string }; seed?: number }
  return `${m.scenario?.name ?? basename(dir)}, seed ${m.seed ?? "?"}`
}

/** A run directory's lineages; an InputError when it has none. */
const runDirLineages = async (dir: string): Promise<RunLineages> => {
  const files = { lineages: join(dir, "lineages.parquet"), variants: join(dir, "variants.parquet") }
  if (!existsSync(join(dir, "manifest.json"))) throw new InputError({ file: dir, path: "", message: "not a run directory (expected manifest.json, written by kiln run)" })
  if (!existsSync(files.lineages) || !existsSync(files.variants)) throw new InputError({ file: dir, path: "lineages.parquet", message: NO_LINEAGES })
  const h = await openDb(":memory:", false)
  try {
    const from = { lineages: `read_parquet(${literal(files.lineages)})`, variants: `read_parquet(${literal(files.variants)})` }
    return await readLineages(h.conn, from, runLabel(dir))
  } finally {
    closeDb(h)
  }
}

const hasLineageTables = async (conn: Conn): Promise<boolean> => {
  const [r] = await readRows(conn, "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name IN ('lineages', 'variants')")
  return Number(r.n) === 2
}

const forRun = (runId: string) => ({
  lineages: `(SELECT * FROM lineages WHERE run_id = ${literal(runId)})`,
  variants: `(SELECT * FROM variants WHERE run_id = ${literal(runId)})`
})

/** A store's run: `runId`, or its only run with lineages; InputErrors name the store and what is missing. */
const storeLineages = async (db: string, runId: string | undefined): Promise<RunLineages> => {
  const h = await openDb(db, true)
  try {
    if ((await readMetaFrom(h.conn)) === undefined) throw new InputError({ file: db, path: "", message: "not a Kiln experiment database (no experiment table)" })
    if (!(await hasLineageTables(h.conn))) throw new InputError({ file: db, path: "lineages", message: NO_LINEAGES })
    const evolved = (await readRows(h.conn, "SELECT DISTINCT run_id FROM lineages ORDER BY run_id")).map((r) => String(r.run_id))
    const some = (ids: string[]) => ids.slice(0, 5).join(", ") + (ids.length > 5 ? `, … (${ids.length} in all)` : "")
    if (runId === undefined) {
      if (evolved.length !== 1) throw new InputError({ file: db, path: "--run", message: `${evolved.length} runs have lineages; choose one with --run (${some(evolved)})` })
      return await readLineages(h.conn, forRun(evolved[0]), evolved[0])
    }
    if (!evolved.includes(runId)) {
      const [known] = await readRows(h.conn, `SELECT count(*) AS n FROM runs WHERE run_id = ${literal(runId)}`)
      const why = Number(known.n) === 0 ? `unknown run id "${runId}"` : `run "${runId}" has no lineages (it failed, or evolved no memes)`
      throw new InputError({ file: db, path: "--run", message: `${why}; runs with lineages: ${some(evolved)}` })
    }
    return await readLineages(h.conn, forRun(runId), runId)
  } finally {
    closeDb(h)
  }
}

/** The lineages of a run directory, or of one run of a store (`runId`; may be left out when only one run has them). */
export const loadLineages = async (input: string, runId?: string): Promise<RunLineages> => {
  if (!existsSync(input)) throw new InputError({ file: input, path: "", message: "no such file or directory" })
  if (statSync(input).isDirectory()) {
    if (runId !== undefined) throw new InputError({ file: input, path: "--run", message: "a run directory holds one run; --run is for experiment DBs" })
    return runDirLineages(input)
  }
  return storeLineages(input, runId)
}

/**
 * The lineages of each design point's first done replicate that has them, at most `limit` points, labelled by the
 * point's factor values; none when the store has no lineage tables. A run directory gives its one run, if evolved.
 */
export const reportLineages = async (input: string, limit = 8): Promise<RunLineages[]> => {
  if (statSync(input).isDirectory()) return existsSync(join(input, "lineages.parquet")) ? [await runDirLineages(input)] : []
  const h = await openDb(input, true)
  try {
    if (!(await hasLineageTables(h.conn))) return []
    const factors = (await readMetaFrom(h.conn))?.factors ?? []
    const points = await readRows(h.conn, `
      SELECT DISTINCT ON (r.point_id) r.run_id${factors.map((c) => `, r.${ident(c.name)}`).join("")}
      FROM runs r SEMI JOIN lineages l ON l.run_id = r.run_id WHERE r.status = 'done'
      ORDER BY r.point_id, r.replicate LIMIT ${limit}`)
    const out: RunLineages[] = []
    for (const p of points) {
      const values = factors.map((c) => `${c.name} ${formatValue(p[c.name])}`).join(" · ")
      out.push(await readLineages(h.conn, forRun(String(p.run_id)), values ? `${values} (${p.run_id})` : String(p.run_id)))
    }
    return out
  } finally {
    closeDb(h)
  }
}

/** At most this many ticks are drawn: longer runs are thinned evenly (the last tick kept); peaks use every tick. */
const MAX_TICKS = 400

/** A clade's rows: from the tick before it is first hosted to the tick after it is last, so its band tapers to a point. */
const cladeRows = (m: MullerLayout, k: number, keep: ReadonlyArray<number>, founders: ReadonlyArray<string>) => {
  const c = m.clades[k]
  const alive = keep.filter((t) => m.hi[k][t] > m.lo[k][t])
  if (alive.length === 0) return []
  const first = Math.max(0, keep.indexOf(alive[0]) - 1)
  const last = Math.min(keep.length - 1, keep.indexOf(alive[alive.length - 1]) + 1)
  const name = founders[c.root] ?? `founder ${c.root}`
  return keep.slice(first, last + 1).map((t) => ({
    clade: String(k).padStart(4, "0"),
    tick: m.ticks[t],
    lo: m.lo[k][t],
    hi: m.hi[k][t],
    share: m.hi[k][t] - m.lo[k][t],
    colour: c.colour,
    founder: name,
    lineage: c.id,
    depth: c.depth,
    born: c.birthTick,
    peak: c.peak,
    merged: c.lineages - 1
  }))
}

/** A Muller plot of one run: a band per drawn clade, nested in its parent's, coloured by founder and depth. */
export const mullerSpec = (r: RunLineages, o: Size & { readonly top?: number } = {}): VegaLiteSpec => {
  const top = o.top ?? DEFAULT_TOP
  const m = mullerLayout(r.tree, r.counts, { top })
  const stride = Math.max(1, Math.ceil(m.ticks.length / MAX_TICKS))
  const keep = m.ticks.map((_, t) => t).filter((t) => t % stride === 0 || t === m.ticks.length - 1)
  // Parents first: Vega draws the clades in the order of their keys, so children paint over their parent's band.
  const values = m.clades.flatMap((_, k) => cladeRows(m, k, keep, r.founders))
  const founders = r.founders.map((name, root) => ({ name, colour: lineageColour(root, 0, root) })).filter((f) => f.name !== undefined)
  return {
    title: {
      text: `Muller plot: ${r.label}`,
      subtitle: [
        `${m.clades.length} of ${r.tree.length} lineages drawn: the ${top} largest by peak share and every founder, the rest within their nearest drawn ancestor;`,
        "band width: share of the hosted copies; a variant's band emerges from the middle of its parent's"
      ]
    },
    width: o.width ?? 480,
    height: o.height ?? 280,
    data: { values },
    layer: [
      {
        mark: { type: "area", interpolate: "linear" },
        encoding: {
          x: { field: "tick", type: "quantitative", title: "tick" },
          y: { field: "lo", type: "quantitative", title: "share of hosted copies", scale: { domain: [0, 1] } },
          y2: { field: "hi" },
          detail: { field: "clade", type: "nominal" },
          fill: { field: "colour", type: "nominal", scale: null },
          tooltip: [
            { field: "founder" }, { field: "lineage", title: "lineage id" }, { field: "depth", title: "mutations from the founder" },
            { field: "born", title: "born at tick" }, { field: "merged", title: "lineages merged in" }, { field: "tick" },
            { field: "share", format: ".3f" }, { field: "peak", title: "peak share", format: ".3f" }
          ]
        }
      },
      {
        // Only for the legend: one swatch per founder in its hue (its own data: one invisible mark per founder).
        data: { values: founders.map((f) => ({ founder: f.name })) },
        mark: { type: "square", filled: true, opacity: 0 },
        encoding: {
          color: {
            field: "founder", type: "nominal", title: "founder",
            scale: { domain: founders.map((f) => f.name), range: founders.map((f) => f.colour) },
            legend: { symbolOpacity: 1, symbolType: "square" }
          }
        }
      }
    ]
  }
}
