// Reads a social graph from a file: graphology JSON, GEXF, GraphML or a CSV edge list, chosen by extension.
import { readFileSync } from "node:fs"
import { extname } from "node:path"
import { DOMParser } from "@xmldom/xmldom"
import { MultiGraph } from "graphology"
import { parse as parseGexf } from "graphology-gexf"
import { parse as parseGraphml } from "graphology-graphml"
import type { AbstractGraph } from "graphology-types"
import { InputError } from "../errors.js"
import { decodeUtf8 } from "./utf8.js"
import { fromGraphology, parseWeight } from "../model/graph/graphology.js"
import type { SocialGraph } from "../model/graph/social-graph.js"

type Reader = (text: string, file: string) => SocialGraph

/** Reads `file` as a SocialGraph; every problem is an InputError naming where in the file it is. */
export const readGraphFile = (file: string): SocialGraph => {
  const extension = extname(file).toLowerCase()
  const reader = readers.get(extension)
  if (!reader) {
    const supported = [...readers.keys()].join(", ")
    throw new InputError({ file, path: "", message: `unsupported extension "${extension}"; expected one of ${supported}` })
  }
  return reader(readText(file), file)
}

const readText = (file: string): string => {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const message = code === "ENOENT" ? "file not found" : `cannot read the file (${code ?? String(error)})`
    throw new InputError({ file, path: "", message })
  }
  // Strict UTF-8 without the byte-order mark, which is invisible in editors but breaks JSON.parse.
  return decodeUtf8(bytes, file)
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error))

// --- graphology JSON --------------------------------------------------------------------------

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)

const positionIn = (message: string): number | undefined => {
  const match = /at position (\d+)/.exec(message)
  return match ? Number(match[1]) : undefined
}

/** Whether parsing stops before the end of `prefix` (running out of text is not a failure here). */
const failsWithin = (prefix: string): boolean => {
  try {
    JSON.parse(prefix)
    return false
  } catch (error) {
    const message = errorMessage(error)
    const position = positionIn(message)
    return position === undefined ? !message.includes("end of JSON input") : position < prefix.length
  }
}

/** Where JSON.parse gave up; some V8 messages omit it, then the shortest failing prefix locates it. */
const failurePosition = (text: string, message: string): number => {
  const reported = positionIn(message)
  if (reported !== undefined) return reported
  if (message.includes("end of JSON input")) return text.length
  let ok = 0
  let failing = text.length
  while (failing - ok > 1) {
    const mid = (ok + failing) >>> 1
    if (failsWithin(text.slice(0, mid))) failing = mid
    else ok = mid
  }
  return failing - 1
}

const lineAndColumn = (text: string, position: number): string => {
  const before = text.slice(0, position)
  const line = before.split("\n").length
  return `line ${line}, column ${position - before.lastIndexOf("\n")}`
}

const parseJson = (text: string, file: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (error) {
    const message = errorMessage(error)
    // V8 quotes the surrounding text in the message; the path already says where.
    const reason = message.replace(/ in JSON at position \d+.*$/s, "").replace(/, .*is not valid JSON$/s, "")
    throw new InputError({ file, path: lineAndColumn(text, failurePosition(text, message)), message: `invalid JSON: ${reason}` })
  }
}

const graphTypes = new Set(["directed", "undirected", "mixed"])

/** Imports one serialized node or edge, so a failure can name the element; graphology's method prefix is dropped. */
const importPart = (graph: AbstractGraph, part: object, file: string, path: string): void => {
  try {
    graph.import(part)
  } catch (error) {
    throw new InputError({ file, path, message: errorMessage(error).replace(/^Graph\.\w+: /, "") })
  }
}

const readJson: Reader = (text, file) => {
  const data = parseJson(text, file)
  if (!isObject(data)) throw new InputError({ file, path: "", message: "expected an object with a nodes array (graphology serialized graph)" })
  const type = isObject(data.options) ? (data.options.type ?? "mixed") : "mixed"
  if (typeof type !== "string" || !graphTypes.has(type)) {
    throw new InputError({ file, path: "options.type", message: `expected "directed", "undirected" or "mixed", got ${JSON.stringify(type)}` })
  }
  if (!Array.isArray(data.nodes)) throw new InputError({ file, path: "nodes", message: "expected an array of nodes" })
  const edges = data.edges ?? []
  if (!Array.isArray(edges)) throw new InputError({ file, path: "edges", message: "expected an array of edges" })
  // Loops and parallel edges are let in here so that fromGraphology reports them with their position.
  const graph = new MultiGraph({ type: type as "directed" | "undirected" | "mixed", allowSelfLoops: true })
  data.nodes.forEach((node: unknown, i) => importPart(graph, { nodes: [node] }, file, `nodes[${i}]`))
  edges.forEach((edge: unknown, i) => importPart(graph, { edges: [edge] }, file, `edges[${i}]`))
  return fromGraphology(graph, file)
}

// --- GEXF and GraphML -------------------------------------------------------------------------

/** "[xmldom error]\tmessage\n@#[line:3,col:7]" → path and message. */
const xmlError = (report: string, file: string): InputError => {
  const where = /\[line:(\d+),col:(\d+)\]/.exec(report)
  const reason = report.replace(/^\[xmldom \w+\]\s*/, "").split("\n")[0]
  return new InputError({ file, path: where ? `line ${where[1]}, column ${where[2]}` : "", message: `invalid XML: ${reason}` })
}

/** Parses strictly: xmldom only logs malformed markup by default and carries on with a partial document. */
const parseXml = (text: string, file: string) => {
  const reports: string[] = []
  const parser = new DOMParser({ locator: {}, errorHandler: (_level: string, report: unknown) => reports.push(String(report)) })
  const doc = parser.parseFromString(text, "application/xml")
  if (reports.length > 0) throw xmlError(reports[0], file)
  if (!doc?.documentElement) throw new InputError({ file, path: "", message: "no root element; expected an XML document" })
  return doc
}

type XmlElement = ReturnType<ReturnType<typeof parseXml>["getElementsByTagName"]>[number]

/** `<edge id="e1" source="a" target="b"> (line 12)`: how a message points at an element. */
const describeElement = (e: XmlElement): string => {
  const attributes = ["id", "source", "target"].filter((a) => e.hasAttribute(a)).map((a) => ` ${a}="${e.getAttribute(a)}"`).join("")
  const line = (e as unknown as { lineNumber?: number }).lineNumber
  return `<${e.tagName}${attributes}>${line ? ` (line ${line})` : ""}`
}

/**
 * Duplicate nodes and edges to missing nodes, found before the parsers see them: their own messages name
 * neither the element nor its line.
 */
const checkNodesAndEdges = (doc: ReturnType<typeof parseXml>, file: string): void => {
  const fail = (e: XmlElement, message: string): never => {
    throw new InputError({ file, path: describeElement(e), message })
  }
  const first = new Map<string, XmlElement>()
  for (const node of Array.from(doc.getElementsByTagName("node"))) {
    const id = node.getAttribute("id")
    if (!id) fail(node, "expected an id attribute")
    const earlier = first.get(id!)
    if (earlier) fail(node, `repeats the node id "${id}" of ${describeElement(earlier)}; expected unique node ids`)
    first.set(id!, node)
  }
  for (const edge of Array.from(doc.getElementsByTagName("edge"))) {
    for (const end of ["source", "target"]) {
      const id = edge.getAttribute(end)
      if (!id || !first.has(id)) fail(edge, id ? `its ${end} "${id}" is not a node of the file` : `expected a ${end} attribute`)
    }
  }
}

const readXml = (format: string, parse: typeof parseGexf): Reader => (text, file) => {
  const doc = parseXml(text, file)
  if (doc.getElementsByTagName("graph").length === 0) {
    throw new InputError({ file, path: "", message: `no <graph> element; expected a ${format} document` })
  }
  checkNodesAndEdges(doc, file)
  let graph: AbstractGraph
  try {
    // The parsers accept xmldom documents (they are built on xmldom in Node); a multigraph lets
    // parallel edges through to fromGraphology, which reports them with their position.
    graph = parse(MultiGraph, doc, { allowUndeclaredAttributes: true })
  } catch (error) {
    // The parsers' messages address programmers (prefix, parser options); keep the finding only.
    const message = errorMessage(error).replace(/^graphology-\w+\/parser: /, "").replace(/ Set the parser .*$/s, "")
    throw new InputError({ file, path: "", message })
  }
  return fromGraphology(graph, file)
}

// --- CSV edge list ----------------------------------------------------------------------------

const cells = (line: string): string[] => line.split(",").map((cell) => cell.trim())

/** A header names the columns: "source,target…", or a third column that is not a number. */
const isHeader = (row: string[]): boolean =>
  (row[0]?.toLowerCase() === "source" && row[1]?.toLowerCase() === "target") || (row.length === 3 && parseWeight(row[2]) === undefined)

class CsvEdges {
  readonly keys: string[] = []
  readonly source: number[] = []
  readonly target: number[] = []
  readonly weight: number[] = []
  readonly lines: number[] = []
  private readonly index = new Map<string, number>()

  constructor(private readonly file: string) {}

  add(row: string[], line: number): void {
    const at = `line ${line}`
    if (row.length < 2 || row.length > 3) {
      throw new InputError({ file: this.file, path: at, message: `expected source,target[,weight], got ${row.length} field(s)` })
    }
    const [s, t, w] = row
    if (s === "" || t === "") throw new InputError({ file: this.file, path: at, message: "expected a non-empty source and target" })
    if (s === t) throw new InputError({ file: this.file, path: at, message: `is a self-loop on node "${s}"; expected two distinct nodes` })
    const weight = parseWeight(w)
    if (weight === undefined) {
      throw new InputError({ file: this.file, path: `${at}, column weight`, message: `expected a finite number, got "${w}"` })
    }
    this.source.push(this.node(s))
    this.target.push(this.node(t))
    this.weight.push(weight)
    this.lines.push(line)
  }

  /** The graph once all rows are in: duplicates can only be keyed once the node count is known. */
  finish(): SocialGraph {
    const n = this.keys.length
    if (n === 0) throw new InputError({ file: this.file, path: "", message: "no edges; expected rows of source,target[,weight]" })
    const first = new Map<number, number>()
    this.source.forEach((a, e) => {
      const b = this.target[e]
      const pair = a < b ? a * n + b : b * n + a
      const earlier = first.get(pair)
      if (earlier !== undefined) {
        const message = `repeats the edge "${this.keys[a]}"–"${this.keys[b]}" of line ${this.lines[earlier]}; expected at most one edge per pair`
        throw new InputError({ file: this.file, path: `line ${this.lines[e]}`, message })
      }
      first.set(pair, e)
    })
    return {
      n,
      directed: false,
      source: Int32Array.from(this.source),
      target: Int32Array.from(this.target),
      weight: Float32Array.from(this.weight),
      keys: this.keys,
      group: new Int32Array(n).fill(-1),
      groupNames: [],
    }
  }

  private node(key: string): number {
    let i = this.index.get(key)
    if (i === undefined) {
      i = this.keys.length
      this.index.set(key, i)
      this.keys.push(key)
    }
    return i
  }
}

/** Undirected edge list, one `source,target[,weight]` row per line; nodes in order of first appearance. */
const readCsv: Reader = (text, file) => {
  const edges = new CsvEdges(file)
  let headerChecked = false
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return
    const row = cells(raw)
    const skip = !headerChecked && isHeader(row)
    headerChecked = true
    if (!skip) edges.add(row, i + 1)
  })
  return edges.finish()
}

const readers = new Map<string, Reader>([
  [".json", readJson],
  [".gexf", readXml("GEXF", parseGexf)],
  [".graphml", readXml("GraphML", parseGraphml)],
  [".csv", readCsv],
])
