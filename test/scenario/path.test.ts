// The field path grammar shared by `--set` and experiments: round trips, refusals, and no prototype pollution.
import fc from "fast-check"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { applyOverride, loadScenario } from "../../src/scenario/load.js"
import { PATH_PATTERN, PathError, parsePath, renderPath, setPath } from "../../src/scenario/path.js"

const defaultScenario = join(import.meta.dirname, "../../scenarios/default.json")
const key = fc.stringMatching(/^[^.[\]=\s]+$/).filter((k) => !["__proto__", "constructor", "prototype"].includes(k))
const segments = fc.tuple(key, fc.array(fc.oneof(key, fc.nat({ max: 1000 })), { maxLength: 6 })).map(([h, t]) => [h, ...t])

describe("parsePath", () => {
  it("parses dots and indices", () => {
    expect(parsePath("interventions[2].content.member:cult")).toEqual(["interventions", 2, "content", "member:cult"])
    expect(parsePath("a[0][1]")).toEqual(["a", 0, 1])
  })

  it("round-trips every path it renders", () => {
    fc.assert(fc.property(segments, (s) => {
      expect(parsePath(renderPath(s))).toEqual(s)
      expect(new RegExp(PATH_PATTERN).test(renderPath(s))).toBe(true)
    }), { seed: 9, numRuns: 500 })
  })

  for (const bad of ["", "energy..gamma", "a.", ".a", "[0]", "a[x]", "a[01]", "a[", "a]", "a b", "a[0]b", "__proto__.x", "a.constructor", "a.prototype.b", "a[0].__proto__"]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => parsePath(bad)).toThrow(PathError)
      expect(new RegExp(PATH_PATTERN).test(bad) && !/__proto__|constructor|prototype/.test(bad)).toBe(false)
    })
  }
})

describe("setPath", () => {
  it("creates missing objects but never array holes", () => {
    const json: Record<string, unknown> = { memes: [{ name: "a" }, { name: "b" }] }
    setPath(json, "energy.gamma", 0.5)
    setPath(json, "memes[1].intensity", 2)
    expect(json).toEqual({ energy: { gamma: 0.5 }, memes: [{ name: "a" }, { name: "b", intensity: 2 }] })
    expect(() => setPath(json, "memes[99].intensity", 1)).toThrow("memes has 2 items ([0] to [1]), so there is no [99]")
    expect((json.memes as unknown[]).length).toBe(2)
    expect(() => setPath(json, "memes.intensity", 1)).toThrow("memes is a list")
    expect(() => setPath(json, "energy.gamma.x", 1)).toThrow("energy.gamma is not an object")
  })

  it("never changes Object.prototype, whatever the path and value", () => {
    const input = fc.oneof(
      fc.string(),
      fc.array(fc.tuple(
        fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "toString", "a", "[0]", ".", "["), fc.string()),
        fc.constantFrom(".", "", "[0].")
      )).map((parts) => parts.map(([part, sep]) => part + sep).join(""))
    )
    fc.assert(fc.property(input, fc.jsonValue(), (path, value) => {
      try {
        setPath({ a: [{}] }, path, value)
      } catch (e) {
        if (!(e instanceof PathError)) throw e
      }
      expect(Object.keys(Object.prototype)).toEqual([])
      expect(typeof ({} as { toString: unknown }).toString).toBe("function")
    }), { seed: 6, numRuns: 1000 })
  })
})

describe("--set", () => {
  it("refuses __proto__, constructor and prototype with an InputError, leaving Object.prototype alone", () => {
    for (const o of ["__proto__.toString=1", "__proto__.polluted=1", "energy.constructor.prototype.x=1", "graph.prototype=1"]) {
      expect(() => loadScenario(defaultScenario, [o])).toThrow(InputError)
    }
    expect(typeof ({} as { toString: unknown }).toString).toBe("function")
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it("says once how many items a list has", () => {
    try {
      loadScenario(defaultScenario, ["memes[99].intensity=1"])
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(InputError)
      expect((e as InputError).path).toBe("--set memes[99].intensity")
      expect((e as InputError).message).toBe("memes has 2 items ([0] to [1]), so there is no [99]")
    }
  })

  it("refuses empty segments", () => {
    expect(() => applyOverride({}, "energy..gamma=1", "f.json")).toThrow(/empty field name/)
  })
})
