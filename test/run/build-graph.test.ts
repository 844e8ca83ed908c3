// Building a scenario's graph: file graphs and the scenario's weights section.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { buildGraph } from "../../src/run/build-graph.js"
import { decodeScenario } from "../../src/scenario/load.js"

const dir = mkdtempSync(join(tmpdir(), "kiln-build-"))
writeFileSync(join(dir, "plain.csv"), "source,target\na,b\nb,c\nc,a\n")
writeFileSync(join(dir, "weighted.csv"), "source,target,weight\na,b,2\nb,c,0.5\nc,a,1\n")
const scenarioFile = join(dir, "s.json")
const scenario = (path: string, extra: object = {}) =>
  decodeScenario({ name: "x", graph: { kind: "file", path }, beliefs: [{ name: "a" }], ...extra }, scenarioFile)

describe("weights of file graphs", () => {
  it("applies the scenario's weights to a file without weights, deterministically from the seed", () => {
    const weights = { mean: 0.5, sd: 0.1 }
    const a = buildGraph(scenario("plain.csv", { weights, seed: 3 }), scenarioFile).weight
    const b = buildGraph(scenario("plain.csv", { weights, seed: 3 }), scenarioFile).weight
    const c = buildGraph(scenario("plain.csv", { weights, seed: 4 }), scenarioFile).weight
    expect([...a]).toEqual([...b])
    expect([...a]).not.toEqual([...c])
    expect([...a].every((w) => Math.abs(w - 0.5) < 0.6 && w !== 1)).toBe(true)
    const scaled = buildGraph(scenario("plain.csv", { weights: { scale: "sqrtN" } }), scenarioFile).weight
    expect([...scaled]).toEqual([1, 1, 1].map((w) => Math.fround(w / Math.sqrt(3))))
  })

  it("keeps a file's own weights, and refuses a weights section on top of them", () => {
    expect([...buildGraph(scenario("weighted.csv"), scenarioFile).weight]).toEqual([2, 0.5, 1])
    try {
      buildGraph(scenario("weighted.csv", { weights: { sd: 1 } }), scenarioFile)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(InputError)
      expect((e as InputError).path).toBe("weights")
      expect((e as InputError).message).toContain("the graph file weighted.csv has its own edge weights")
    }
  })
})
