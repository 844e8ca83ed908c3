// A finished run directory as the viewer needs it: the scenario facts from manifest.json, and graph.json with
// layout positions (computed once and written back, so the next `kiln serve` starts at once); large runs are shown
// as communities instead (aggregate.ts).
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { InputError } from "../errors.js"
import { computeLayout } from "../io/layout.js"
import { AGGREGATE_ABOVE, missingInput } from "./aggregate.js"
import type { RunInfo } from "./info.js"

interface GraphExport {
  nodes: Array<{ key: string; attributes?: Record<string, unknown> }>
  edges: Array<{ source: string; target: string }>
}

const bad = (file: string, message: string) => new InputError({ file, path: "", message })

/** Reads manifest.json; throws InputError when `dir` is not a run directory. */
export const readRunInfo = (dir: string): RunInfo => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw bad(dir, "is not a directory; expected a run directory or a scenario file")
  for (const f of ["manifest.json", "metrics.csv"]) {
    if (!existsSync(join(dir, f))) throw bad(dir, `has no ${f}; expected a run directory written by \`kiln run\``)
  }
  if (!existsSync(join(dir, "graph.json")) && missingInput(dir) !== undefined) {
    throw bad(dir, `has neither graph.json nor ${missingInput(dir)!.slice(dir.length + 1)}; the viewer needs one of them (graph.json, or agents.parquet and edges.parquet)`)
  }
  const file = join(dir, "manifest.json")
  let m: {
    scenario?: {
      name?: string; description?: string; memes?: Array<{ name: string }>; groups?: Array<{ name: string }>
      plasticity?: { wMax?: number }; energy?: { max?: number }; evolution?: { memes?: unknown }
    }
    seed?: number; ticks?: number; agents?: number; beliefs?: string[]
  }
  try {
    m = JSON.parse(readFileSync(file, "utf8"))
  } catch (e) {
    throw bad(file, `is not valid JSON: ${String(e)}`)
  }
  const s = m.scenario ?? {}
  return {
    name: s.name ?? "run",
    description: s.description ?? "",
    seed: m.seed ?? 1,
    ticks: m.ticks ?? 0,
    agents: m.agents ?? 0,
    memes: (s.memes ?? []).map((x) => x.name),
    groups: (s.groups ?? []).map((x) => x.name),
    beliefs: m.beliefs ?? [],
    wMax: s.plasticity?.wMax ?? 1,
    energyMax: s.energy?.max ?? 10,
    lineages: s.evolution?.memes !== undefined,
    view: viewOf(dir, m.agents ?? 0)
  }
}

/**
 * Runs above AGGREGATE_ABOVE agents, or without graph.json, are shown as communities (when they have
 * agents.parquet and edges.parquet; an older large run with graph.json only is still drawn whole).
 */
export const viewOf = (dir: string, agents: number): "graph" | "aggregate" => {
  const graph = existsSync(join(dir, "graph.json"))
  if (!graph) return "aggregate"
  return agents > AGGREGATE_ABOVE && missingInput(dir) === undefined ? "aggregate" : "graph"
}

/** True when every node of graph.json has numeric x and y. */
const hasLayout = (g: GraphExport): boolean =>
  g.nodes.every((n) => typeof n.attributes?.x === "number" && typeof n.attributes?.y === "number")

/**
 * Makes sure graph.json carries positions; when it does not, lays the graph out (worker thread for large graphs)
 * and replaces the file atomically. Returns whether a layout was computed.
 */
export const ensureLayout = async (dir: string, seed: number, log: (line: string) => void = () => {}): Promise<boolean> => {
  const file = join(dir, "graph.json")
  const g = JSON.parse(readFileSync(file, "utf8")) as GraphExport
  if (hasLayout(g)) return false
  log(`kiln serve: laying out ${g.nodes.length} nodes (once; cached in ${file})…`)
  const index = new Map(g.nodes.map((n, i) => [n.key, i]))
  const source = new Int32Array(g.edges.map((e) => index.get(e.source) ?? 0))
  const target = new Int32Array(g.edges.map((e) => index.get(e.target) ?? 0))
  const xy = await computeLayout({ n: g.nodes.length, source, target }, { seed })
  g.nodes.forEach((node, i) => {
    node.attributes = { ...node.attributes, x: xy[2 * i], y: xy[2 * i + 1] }
  })
  const tmp = join(dir, `.graph.json.tmp-${process.pid}`)
  writeFileSync(tmp, JSON.stringify(g))
  renameSync(tmp, file)
  return true
}
