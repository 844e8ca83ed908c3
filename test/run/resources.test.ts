// The memory estimate: impossible sizes are refused before anything is built, naming the field and the need.
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkResources, estimateRun, formatBytes, graphShape } from "../../src/run/resources.js"
import { decodeScenario, loadScenario } from "../../src/scenario/load.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { inputErrorOf } from "../support/errors.js"

const defaultFile = join(import.meta.dirname, "../../scenarios/default.json")
const small = (graph: unknown, extra: object = {}) =>
  decodeScenario({ name: "x", graph, beliefs: [{ name: "a" }, { name: "b" }], ...extra })

describe("graphShape", () => {
  it("counts agents and edges of every generator from its parameters", () => {
    expect(graphShape(small({ kind: "complete", n: 5 }))).toEqual({ n: 5, edges: 10, directed: false })
    expect(graphShape(small({ kind: "lattice", rows: 3, cols: 4 }))).toEqual({ n: 12, edges: 24, directed: false })
    expect(graphShape(small({ kind: "wattsStrogatz", n: 10, k: 4, beta: 0 }))!.edges).toBe(20)
    expect(graphShape(small({ kind: "barabasiAlbert", n: 10, m: 2 }))!.edges).toBe(3 + 7 * 2)
    expect(graphShape(small({ kind: "connectedCaveman", caves: 3, size: 4 }))).toEqual({ n: 12, edges: 18, directed: false })
    expect(graphShape(small({ kind: "erdosRenyi", n: 11, p: 0.5 }))!.edges).toBe(27.5)
    expect(graphShape(small({ kind: "file", path: "g.csv" }))).toBeUndefined()
  })
})

describe("checkResources", () => {
  it("lets the shipped default through on this machine", () => {
    const s = loadScenario(defaultFile)
    expect(() => checkResources(s, graphShape(s)!, defaultFile)).not.toThrow()
  })

  it("refuses past the engine's Int32 neighbour index, naming graph.n", () => {
    const e = inputErrorOf(() => prepareWorld(small({ kind: "complete", n: 100_000 }), "big.json"))
    expect(e.file).toBe("big.json")
    expect(e.path).toBe("graph.n")
    expect(e.message).toContain("100,000 agents and 4,999,950,000 edges need 9,999,900,000 neighbour entries")
  })

  it("refuses a billion agents at once instead of building for a minute", () => {
    const t = Date.now()
    const e = inputErrorOf(() => prepareWorld(small({ kind: "wattsStrogatz", n: 1e9, k: 6, beta: 0.1 }), "big.json"))
    expect(Date.now() - t).toBeLessThan(1000)
    expect(e.path).toBe("graph.n")
  })

  it("refuses what does not fit in memory or in the V8 heap, saying what it would need", () => {
    const s = small({ kind: "connectedCaveman", caves: 100, size: 20 })
    const need = estimateRun(s, graphShape(s)!)
    const memory = inputErrorOf(() => checkResources(s, graphShape(s)!, "f.json", { memory: need.memory / 2, heap: Infinity }))
    expect(memory.message).toMatch(/2,000 agents and 19,000 edges need about [\d.]+ MB of memory \(.*\); this machine has/)
    const heap = inputErrorOf(() => checkResources(s, graphShape(s)!, "f.json", { memory: Infinity, heap: need.heap / 2 }))
    expect(heap.message).toMatch(/of JavaScript heap .*\(raise it with NODE_OPTIONS=--max-old-space-size=\d+/)
    expect(heap.path).toBe("graph.caves")
  })

  it("names ticks when the recorded metrics are what does not fit", () => {
    const s = small({ kind: "complete", n: 3 }, { ticks: 1e12 })
    const e = inputErrorOf(() => checkResources(s, graphShape(s)!, "f.json"))
    expect(e.path).toBe("ticks")
    expect(e.message).toContain("1,000,000,000,001 recorded ticks")
  })

  it("formats sizes", () => {
    expect(formatBytes(1536)).toBe("1.5 kB")
    expect(formatBytes(3 * 2 ** 30)).toBe("3 GB")
  })
})
