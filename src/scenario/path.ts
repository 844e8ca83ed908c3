// Field paths such as `interventions[2].content.calm`: the one grammar of `kiln run --set` and of experiments.
//
//   path    := key ( "." key | "[" index "]" )*
//   key     := one or more characters other than . [ ] = and white space
//   index   := 0 | [1-9][0-9]*
//
// Keys that reach JavaScript's object machinery (__proto__, constructor, prototype) are refused, so a path
// can never change Object.prototype; setting a value never creates array holes.

export type Segment = string | number

/** A path that does not parse, or that cannot be set in a given document. */
export class PathError extends Error {
  override readonly name = "PathError"
}

/** The grammar as a JSON Schema pattern, for editors (the forbidden keys are checked by parsePath). */
export const PATH_PATTERN = "^[^.[\\]=\\s]+(\\.[^.[\\]=\\s]+|\\[(0|[1-9][0-9]*)\\])*$"

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"])
const KEY = /^[^.[\]=\s]+/
const INDEX = /^\[(0|[1-9]\d*)\]/

/** Parses `a.b[2].c` into ["a", "b", 2, "c"]; throws PathError saying what is wrong and where. */
export const parsePath = (text: string): Segment[] => {
  const segments: Segment[] = []
  let rest = text
  const fail = (what: string): never => {
    const at = text.length - rest.length
    throw new PathError(`expected a scenario field path such as energy.gamma or memes[0].intensity; "${text}" has ${what} at character ${at + 1}`)
  }
  const key = () => {
    const m = KEY.exec(rest) ?? fail(rest === "" ? "a missing field name" : `an empty field name before "${rest[0]}"`)
    if (FORBIDDEN.has(m[0])) fail(`"${m[0]}", which is not a field but a JavaScript internal,`)
    segments.push(m[0])
    rest = rest.slice(m[0].length)
  }
  key()
  while (rest !== "") {
    if (rest[0] === ".") {
      rest = rest.slice(1)
      key()
    } else if (rest[0] === "[") {
      const m = INDEX.exec(rest) ?? fail("a malformed index (expected [0], [1], …)")
      const index = Number(m[1])
      if (!Number.isSafeInteger(index)) fail("an index too large")
      segments.push(index)
      rest = rest.slice(m[0].length)
    } else fail(`an unexpected "${rest[0]}"`)
  }
  return segments
}

/** What is wrong with `text` as a path, or undefined when it is one (for schema checks). */
export const pathProblem = (text: string): string | undefined => {
  try {
    parsePath(text)
    return undefined
  } catch (e) {
    if (e instanceof PathError) return e.message
    throw e
  }
}

/** Renders segments as a path: ["interventions", 2, "content"] → `interventions[2].content`. */
export const renderPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("")

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)

/**
 * Sets `value` at `path` in parsed JSON. Missing objects on the way are created; lists must already hold
 * the index (no holes). Throws PathError naming the part of the path that does not fit the document.
 */
export const setPath = (root: unknown, path: string, value: unknown): void => {
  const segments = parsePath(path)
  let node = root
  segments.forEach((segment, k) => {
    const where = renderPath(segments.slice(0, k)) || "the scenario"
    const last = k === segments.length - 1
    if (typeof segment === "number") {
      if (!Array.isArray(node)) throw new PathError(`${where} is not a list, so it has no [${segment}]`)
      if (segment >= node.length) {
        const items = node.length === 1 ? "1 item ([0])" : node.length === 0 ? "no items" : `${node.length} items ([0] to [${node.length - 1}])`
        throw new PathError(`${where} has ${items}, so there is no [${segment}]`)
      }
      if (last) node[segment] = value
      else node = node[segment]
      return
    }
    if (!isRecord(node)) {
      throw new PathError(Array.isArray(node) ? `${where} is a list: address its items as ${where}[0]` : `${where} is not an object`)
    }
    if (last) node[segment] = value
    else {
      // Own properties only: `toString` is not a field of a parsed scenario even though every object inherits one.
      if (!Object.hasOwn(node, segment) && typeof segments[k + 1] === "string") node[segment] = {}
      node = Object.hasOwn(node, segment) ? node[segment] : undefined
    }
  })
}
