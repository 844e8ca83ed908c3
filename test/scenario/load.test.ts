// Scenario files: defaults, overrides, the JSON Schema, and a corpus of bad files rejected with file and path.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { applyOverride, decodeScenario, loadScenario, scenarioJsonSchema } from "../../src/scenario/load.js"
import { prepareWorld } from "../../src/run/simulation.js"

const corpus = join(import.meta.dirname, "../fixtures/bad-scenarios")
const expected: Record<string, { file?: string; path: string; message: string }> = JSON.parse(
  readFileSync(join(corpus, "expected.json"), "utf8")
)

describe("bad input corpus", () => {
  it("covers every file in the corpus", () => {
    const files = readdirSync(corpus).filter((f) => f.endsWith(".json") && f !== "expected.json")
    expect(files.sort()).toEqual(Object.keys(expected).sort())
  })

  for (const [name, want] of Object.entries(expected)) {
    it(`rejects ${name} naming ${want.file ?? name} at "${want.path}"`, () => {
      const file = join(corpus, name)
      let error: unknown
      try {
        prepareWorld(loadScenario(file), file)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InputError)
      const e = error as InputError
      expect(e.file.endsWith(want.file ?? name)).toBe(true)
      expect(e.path).toBe(want.path)
      expect(e.message).toContain(want.message)
    })
  }

  it("reports every problem of a file at once", () => {
    try {
      decodeScenario({ name: "x", graph: { kind: "complete", n: 0 }, beliefs: [{ name: "a" }], ticks: -1, oops: 1 })
      expect.unreachable()
    } catch (e) {
      const message = (e as InputError).message
      expect(message).toContain("3 problems")
      expect(message).toContain("at graph.n")
      expect(message).toContain("at ticks")
      expect(message).toContain("at oops")
    }
  })
})

describe("decoding", () => {
  it("fills every documented default", () => {
    const s = decodeScenario({ name: "x", graph: { kind: "complete", n: 3 }, beliefs: [{ name: "a" }] })
    expect(s.seed).toBe(1)
    expect(s.energy).toEqual({ tau0: 0, rest: 0.2, max: 10, gamma: 0.1, surprise: 0.5, valence: 0 })
    expect(s.plasticity).toEqual({ theta: 1, saturation: 3, eta: 0.05, wMax: 1 })
    expect(s.beliefs[0]).toEqual({ name: "a", kind: "value", init: 0, h: 0, expressed: true })
  })

  it("applies --set overrides with JSON values and array indices, validated like the file", () => {
    const json = { name: "x", graph: { kind: "complete", n: 3 }, beliefs: [{ name: "a" }, { name: "b" }] }
    applyOverride(json, "energy.gamma=0.3", "f.json")
    applyOverride(json, "beliefs[1].init=0.5", "f.json")
    applyOverride(json, "name=renamed", "f.json")
    const s = decodeScenario(json, "f.json")
    expect(s.energy.gamma).toBe(0.3)
    expect(s.beliefs[1].init).toBe(0.5)
    expect(s.name).toBe("renamed")
    applyOverride(json, "energy.gamma=2", "f.json")
    expect(() => decodeScenario(json, "f.json")).toThrow(/less than or equal to 1/)
    expect(() => applyOverride(json, "energy.gamma", "f.json")).toThrow(/path.to.field=value/)
  })

  it("exports a JSON Schema that names every section and closes objects against unknown keys", () => {
    const schema = { schema: scenarioJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean } }
    const props = Object.keys(schema.schema.properties)
    for (const k of ["graph", "beliefs", "memes", "interventions", "energy", "plasticity", "patterns", "groups"]) {
      expect(props).toContain(k)
    }
    expect(schema.schema.additionalProperties).toBe(false)
  })

  it("loads every shipped scenario", () => {
    const dir = join(import.meta.dirname, "../../scenarios")
    const files = readdirSync(dir).filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
    expect(files).toContain("default.json")
    for (const f of files) expect(loadScenario(join(dir, f)).name.length).toBeGreaterThan(0)
  })
})

describe("scenarios/kiln.schema.json", () => {
  it("is the current schema (regenerate with `node bin/kiln.mjs schema > scenarios/kiln.schema.json`)", () => {
    const file = join(import.meta.dirname, "../../scenarios/kiln.schema.json")
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(scenarioJsonSchema())
  })
})

describe("encoding and graph sizes", () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-load-"))
  const text = readFileSync(join(import.meta.dirname, "../../scenarios/cooling.json"))

  it("rejects bytes that are not UTF-8, with their line and offset, instead of turning them into U+FFFD", () => {
    const file = join(dir, "latin1.json")
    const at = text.indexOf("cooling")
    writeFileSync(file, Buffer.concat([text.subarray(0, at + 3), Buffer.from([0xf6]), text.subarray(at + 3)]))
    const line = text.subarray(0, at).filter((b) => b === 0x0a).length + 1
    expect(() => loadScenario(file)).toThrow(expect.objectContaining({ path: `line ${line}, byte ${at + 3}`, message: expect.stringContaining("invalid UTF-8 (byte 0xF6)") }))
  })

  it("accepts and strips a UTF-8 byte-order mark", () => {
    const file = join(dir, "bom.json")
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]))
    expect(loadScenario(file).name).toBe("cooling")
  })

  it("refuses empty group lists and villages too small to ring before building anything", () => {
    const file = join(import.meta.dirname, "../../scenarios/default.json")
    for (const [set, path] of [["graph.groups=[]", "graph.groups"], ["graph.size=2", "graph.size"], ["graph.size=65536", "graph.size"]]) {
      expect(() => prepareWorld(loadScenario(file, [set]), file), set).toThrow(expect.objectContaining({ _tag: "InputError", path }))
    }
    const blocks = { name: "x", graph: { kind: "stochasticBlock", sizes: [], pIn: 0.1, pOut: 0 }, beliefs: [{ name: "a" }] }
    expect(() => decodeScenario(blocks)).toThrow(expect.objectContaining({ path: "graph.sizes" }))
  })
})
