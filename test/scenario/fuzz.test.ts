// The input fuzzer: seeded mutations of every shipped scenario through the decoder, --set and world preparation.
// Every outcome must be an accepted world or an InputError; anything else is a crash.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { checkResources, graphShape } from "../../src/run/resources.js"
import { makeStream } from "../../src/model/rng.js"
import { applyOverride, decodeScenario } from "../../src/scenario/load.js"
import { prepareWorld } from "../../src/run/simulation.js"

const root = join(import.meta.dirname, "../../scenarios")
const shipped = [
  ...readdirSync(root).filter((f) => f.endsWith(".json") && f !== "kiln.schema.json").map((f) => join(root, f)),
  ...readdirSync(join(root, "claims")).filter((f) => f.endsWith(".scenario.json")).map((f) => join(root, "claims", f))
]
const MUTANTS_PER_SCENARIO = 60
/** Worlds are prepared only up to this size, so the test stays fast; larger ones must be refused by the estimate. */
const LIMITS = { memory: 64 * 2 ** 20, heap: 64 * 2 ** 20 }

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Rand = () => number

/** The shipped scenario with its graph shrunk to a few dozen agents (in place). */
const shrink = (s: { graph: Record<string, Json> }): void => {
  const g = s.graph
  const cap = (k: string, max: number) => {
    if (typeof g[k] === "number") g[k] = Math.min(g[k] as number, max)
  }
  cap("n", 60), cap("caves", 6), cap("size", 8), cap("rows", 8), cap("cols", 8)
  if (Array.isArray(g.sizes)) g.sizes = g.sizes.map((x) => (typeof x === "number" ? Math.min(x, 20) : x))
}

const pick = <T>(rand: Rand, xs: ReadonlyArray<T>): T => xs[Math.floor(rand() * xs.length)]

/** Every container in the document with the keys or indices it holds. */
const containers = (node: Json, out: Array<Json[] | { [k: string]: Json }> = []): Array<Json[] | { [k: string]: Json }> => {
  if (node !== null && typeof node === "object") {
    out.push(node)
    for (const v of Object.values(node)) containers(v, out)
  }
  return out
}

const oddValues: ReadonlyArray<() => unknown> = [
  () => 1e308, () => -1, () => -1e9, () => 2 ** 53 + 2, () => 0.5, () => 5e-324, () => 0, () => NaN, () => Infinity,
  () => "NaN", () => "1e400", () => "", () => "x".repeat(10_000), () => true, () => null, () => [], () => ({}),
  () => [[]], () => ({ kind: "complete" }), () => JSON.parse('{"__proto__": {"polluted": 1}}'), () => 1e6, () => 3
]

const mutate = (doc: Json, rand: Rand): void => {
  const node = pick(rand, containers(doc))
  const keys = Object.keys(node)
  const key = keys.length > 0 ? pick(rand, keys) : "x"
  const target = node as Record<string, unknown>
  switch (Math.floor(rand() * 8)) {
    case 0:
      if (Array.isArray(node)) node.splice(Number(key), 1)
      else delete target[key]
      break
    case 1:
    case 2:
      target[key] = pick(rand, oddValues)()
      break
    case 3:
      // an unknown key, or one of JavaScript's own: parsed JSON makes `__proto__` a plain own key
      Object.assign(node, JSON.parse(`{${JSON.stringify(pick(rand, ["__proto__", "constructor", "prototype", "extra", key + "s"]))}: 1}`))
      break
    case 4:
      if (Array.isArray(node)) node.push(...node.slice(0, 3))
      else target[key] = Array.isArray(target[key]) ? [] : {}
      break
    case 5: {
      // --set with a path drawn from the document or garbage, and an odd value
      const path = pick(rand, [`${key}`, `graph.${key}`, `memes[${Math.floor(rand() * 5)}].${key}`, `${key}..x`, `__proto__.${key}`, `a[${key}]`, `energy.constructor`])
      applyOverride(doc, `${path}=${JSON.stringify(pick(rand, oddValues)()) ?? "x"}`, "<fuzz>")
      break
    }
    default: {
      // a plausible nudge of a number, so that many mutants are valid and reach world preparation
      const x = target[key]
      if (typeof x === "number") target[key] = pick(rand, [0, 1, 2, x + 1, x - 1, x * 2, x / 2, Math.round(x * 3)])
    }
  }
}

type Outcome = "accepted" | "rejected" | "crashed"

const attempt = (file: string, doc: Json): { outcome: Outcome; error?: unknown } => {
  try {
    const s = decodeScenario(doc, file)
    const shape = graphShape(s)
    if (shape) checkResources(s, shape, file, LIMITS)
    prepareWorld(s, file)
    return { outcome: "accepted" }
  } catch (error) {
    return { outcome: error instanceof InputError ? "rejected" : "crashed", error }
  }
}

describe("fuzzer", () => {
  it(`turns ${MUTANTS_PER_SCENARIO} seeded mutations of each of ${shipped.length} shipped scenarios into worlds or InputErrors, never crashes`, () => {
    const counts: Record<Outcome, number> = { accepted: 0, rejected: 0, crashed: 0 }
    const crashes: string[] = []
    shipped.forEach((file, k) => {
      const parsed = JSON.parse(readFileSync(file, "utf8"))
      const shrunk = structuredClone(parsed)
      shrink(shrunk)
      // a scenario that names agents by id keeps its size
      const original = attempt(file, structuredClone(shrunk)).outcome === "accepted" ? shrunk : parsed
      const base = attempt(file, structuredClone(original))
      expect(base.outcome, `${file}: ${String(base.error)}`).toBe("accepted")
      const rand = makeStream(9, k)
      for (let m = 0; m < MUTANTS_PER_SCENARIO; m++) {
        const doc = structuredClone(original)
        let result: ReturnType<typeof attempt> | undefined
        try {
          for (let i = 1 + Math.floor(rand() * 3); i > 0; i--) mutate(doc, rand)
        } catch (error) {
          result = { outcome: error instanceof InputError ? "rejected" : "crashed", error }
        }
        result ??= attempt(file, doc)
        counts[result.outcome]++
        if (result.outcome === "crashed") crashes.push(`${file} #${m}: ${String((result.error as Error)?.stack ?? result.error)}`)
      }
    })
    console.log(`fuzzer: ${counts.accepted} accepted, ${counts.rejected} rejected (InputError), ${counts.crashed} crashed`)
    expect(crashes).toEqual([])
    expect(Object.keys(Object.prototype)).toEqual([])
    expect(counts.accepted).toBeGreaterThan(0)
    expect(counts.rejected).toBeGreaterThan(0)
  }, 120_000)
})
