// Reading scenarios: JSON with positions, schema decoding with every error, cross-references, and --set overrides.
import { readFileSync } from "node:fs"
import { Schema, SchemaIssue } from "effect"
import { InputError } from "../errors.js"
import { checkIntervention, type ExtraKinds, type References } from "../model/interventions/index.js"
import { checkRitualEvolution } from "../model/evolution/rituals.js"
import { decodeUtf8 } from "../io/utf8.js"
import { PathError, renderPath, setPath } from "./path.js"
import { ScenarioSpec, scenarioSpecWith, type Scenario } from "./schema.js"

export { renderPath }

const decoder = Schema.decodeUnknownResult(ScenarioSpec, { onExcessProperty: "error", errors: "all" })
const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/** Reads and parses a JSON file; a syntax error reports its line and column. */
export const readJsonFile = (file: string): unknown => {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(file)
  } catch (e) {
    throw new InputError({ file, path: "", message: `cannot read file (${(e as NodeJS.ErrnoException).code ?? e})` })
  }
  return parseJson(decodeUtf8(bytes, file), file)
}

export const parseJson = (text: string, file: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (e) {
    const msg = (e as Error).message
    const m = /position (\d+)/.exec(msg)
    const where = m ? lineColumn(text, Number(m[1])) : ""
    throw new InputError({ file, path: where, message: `invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, "")}` })
  }
}

const lineColumn = (text: string, pos: number): string => {
  const before = text.slice(0, pos).split("\n")
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`
}

/**
 * Decodes a parsed scenario, filling defaults; throws one InputError listing every problem. `extra`: intervention
 * kinds of the scenario's plugins (loaded first, see ../run/plugins.ts).
 */
export const decodeScenario = (input: unknown, file = "<scenario>", extra: ExtraKinds = []): Scenario => {
  const decode = extra.length === 0 ? decoder : Schema.decodeUnknownResult(scenarioSpecWith(extra), { onExcessProperty: "error", errors: "all" })
  const r = decode(input)
  if (r._tag === "Failure") throw schemaInputError(r.failure.issue, file, [])
  checkReferences(r.success, file, extra)
  return r.success
}

/** One InputError listing every issue of a failed decode, with paths under `prefix`. */
export const schemaInputError = (issue: SchemaIssue.Issue, file: string, prefix: ReadonlyArray<PropertyKey>): InputError => {
  const issues = formatIssue(issue).issues.map((i) => readableIssue({ ...i, path: [...prefix, ...(i.path ?? [])] }))
  const [first] = issues
  const message = issues.length === 1
    ? first.message
    : `${issues.length} problems:\n  ` + issues.map((i) => `at ${i.path}: ${i.message}`).join("\n  ")
  return new InputError({ file, path: issues.length === 1 ? first.path : "", message })
}

/**
 * A tagged union that matched no member reports every member's shape; name the `kind` choices instead.
 */
const readableIssue = (i: { readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined; readonly message: string }) => {
  const path = renderPath((i.path ?? []).map((k) => (typeof k === "object" ? k.key : k)))
  const kinds = [...i.message.matchAll(/\{ readonly "kind": "(\w+)"/g)].map((m) => m[1])
  if (kinds.length < 2) return { path, message: i.message }
  return { path: `${path}.kind`, message: `expected "kind" to be one of: ${kinds.join(", ")}` }
}

/** Loads a scenario file (optionally with `path=value` overrides) and remembers where it came from. */
export const loadScenario = (file: string, overrides: ReadonlyArray<string> = []): Scenario => {
  const json = readJsonFile(file)
  for (const o of overrides) applyOverride(json, o, file)
  return decodeScenario(json, file)
}

/** Applies `a.b[2].c=value` (the grammar of ./path.ts) to a parsed JSON object; the value is JSON when it parses, else a string. */
export const applyOverride = (json: unknown, assignment: string, file: string): void => {
  const eq = assignment.indexOf("=")
  if (eq <= 0) {
    throw new InputError({ file, path: assignment, message: "expected --set path.to.field=value" })
  }
  const path = assignment.slice(0, eq)
  const raw = assignment.slice(eq + 1)
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    value = raw
  }
  try {
    setPath(json, path, value)
  } catch (e) {
    if (e instanceof PathError) throw new InputError({ file, path: `--set ${path}`, message: e.message })
    throw e
  }
}

// ---------------------------------------------------------------- cross-references

/** Checks every name a scenario refers to, and the constraints a schema cannot express alone. */
const checkReferences = (s: Scenario, file: string, extra: ExtraKinds): void => {
  const fail = (path: string, message: string): never => {
    throw new InputError({ file, path, message })
  }
  const unique = (names: ReadonlyArray<string>, what: string) => {
    const seen = new Set<string>()
    names.forEach((n, i) => {
      if (seen.has(n)) fail(`${what}[${i}].name`, `duplicate name "${n}"`)
      seen.add(n)
    })
  }
  unique(s.beliefs.map((b) => b.name), "beliefs")
  unique(s.memes.map((m) => m.name), "memes")
  unique(s.groups.map((g) => g.name), "groups")
  unique(s.patterns.map((p) => p.name), "patterns")
  const beliefs = new Map(s.beliefs.map((b) => [b.name, b]))
  const groups = new Set(s.groups.map((g) => g.name))
  const knownBeliefs = () => `known beliefs: ${[...beliefs.keys()].join(", ")}`
  const belief = (name: string, path: string) => {
    if (!beliefs.has(name) && !identityNames(s).has(name)) fail(path, `unknown belief "${name}" (${knownBeliefs()})`)
  }
  const content = (c: Readonly<Record<string, number>>, path: string) => {
    for (const k of Object.keys(c)) belief(k, `${path}.${k}`)
  }
  const group = (name: string, path: string) => {
    if (!groups.has(name)) fail(path, `unknown group "${name}" (declare it in groups; known: ${[...groups].join(", ") || "none"})`)
  }
  s.beliefs.forEach((b, i) => {
    if (b.truth !== undefined && b.kind !== "factual") fail(`beliefs[${i}].truth`, "only factual beliefs have a truth")
  })
  s.groups.forEach((g, i) => content(g.content, `groups[${i}].content`))
  s.memes.forEach((m, i) => {
    content(m.content, `memes[${i}].content`)
    if (Object.keys(m.content).length === 0) fail(`memes[${i}].content`, "a meme must assert at least one belief")
  })
  s.patterns.forEach((p, i) => {
    content(p.beliefs, `patterns[${i}].beliefs`)
    checkTarget(p.target, `patterns[${i}].target`, group)
  })
  s.prior.edges.forEach((e, i) => {
    belief(e.a, `prior.edges[${i}].a`)
    belief(e.b, `prior.edges[${i}].b`)
    if (e.a === e.b) fail(`prior.edges[${i}]`, "a coupling needs two different beliefs")
    if (Math.abs(e.w) > s.plasticity.wMax) fail(`prior.edges[${i}].w`, `expected |w| <= plasticity.wMax (${s.plasticity.wMax})`)
  })
  if (s.plasticity.saturation <= s.plasticity.theta) {
    fail("plasticity.saturation", `expected a value greater than plasticity.theta (${s.plasticity.theta})`)
  }
  const g = s.graph
  if (g.kind === "wattsStrogatz" && (g.k % 2 !== 0 || g.k >= g.n)) fail("graph.k", "expected an even k smaller than n")
  if (g.kind === "barabasiAlbert" && g.m >= g.n) fail("graph.m", "expected m smaller than n")
  if ((g.kind === "connectedCaveman" || g.kind === "stochasticBlock") && g.groups) {
    g.groups.forEach((name, i) => group(name, `graph.groups[${i}]`))
  }
  const refs: References = { scenario: s, fail, group }
  s.interventions.forEach((iv, i) => {
    const at = `interventions[${i}]`
    checkTarget(iv.target, `${at}.target`, group)
    if ("content" in iv) content(iv.content, `${at}.content`)
    checkIntervention(iv, at, refs, extra)
  })
  if (s.evolution.memes) checkMemeEvolution(s, s.evolution.memes, fail)
  if (s.evolution.rituals) checkRitualEvolution(s, s.evolution.rituals, fail)
}

/** Meme evolution needs founders, and a variant table that holds them all. */
const checkMemeEvolution = (s: Scenario, e: NonNullable<Scenario["evolution"]["memes"]>, fail: (p: string, m: string) => never) => {
  if (s.memes.length === 0) fail("evolution.memes", "meme evolution needs founders: declare memes (each is the founder of a lineage)")
  if (e.capacity < s.memes.length) {
    fail("evolution.memes.capacity", `expected at least the ${s.memes.length} declared memes (founders keep their rows)`)
  }
}

const checkTarget = (t: Scenario["interventions"][number]["target"], path: string, group: (n: string, p: string) => void) => {
  if (typeof t === "object" && "group" in t) group(t.group, `${path}.group`)
}

/** Identity beliefs implied by groups (`member:<name>` unless named), declared or not. */
export const identityNames = (s: Scenario): Set<string> =>
  new Set(s.groups.map((g) => g.identity ?? `member:${g.name}`))

/** The JSON Schema of scenario files, for editors (`kiln schema`). Unknown keys are errors there too. */
export const scenarioJsonSchema = (): Record<string, unknown> => editorSchema(ScenarioSpec, "Kiln scenario")

/** A standalone draft 2020-12 JSON Schema document (what editors read) with closed objects. */
export const editorSchema = (schema: Schema.Top, title: string): Record<string, unknown> => {
  const doc = Schema.toJsonSchemaDocument(schema)
  const defs = Object.keys(doc.definitions).length > 0 ? { $defs: doc.definitions } : {}
  return closeObjects({ $schema: "https://json-schema.org/draft/2020-12/schema", title, ...doc.schema, ...defs }) as Record<string, unknown>
}

const closeObjects = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(closeObjects)
  if (node === null || typeof node !== "object") return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = closeObjects(v)
  if (out.type === "object" && out.properties !== undefined) out.additionalProperties = false
  return out
}
