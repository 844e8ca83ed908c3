// Checks the random-graph generators: exact edge counts, simplicity, statistics within binomial bounds, determinism.
import { describe, it, expect } from "vitest"
import {
  barabasiAlbert,
  complete,
  connectedCaveman,
  erdosRenyi,
  lattice,
  stochasticBlock,
  wattsStrogatz,
} from "../../../src/model/graph/generators.js"
import type { SocialGraph } from "../../../src/model/graph/social-graph.js"
import { makeStream } from "../../../src/model/rng.js"

const pair = (n: number, a: number, b: number): number => (a < b ? a * n + b : b * n + a)

const edgeSet = (g: SocialGraph): Set<number> => {
  const set = new Set<number>()
  for (let e = 0; e < g.source.length; e++) set.add(pair(g.n, g.source[e], g.target[e]))
  return set
}

/** Undirected, unit weights, endpoints in range, no self-loops, no duplicate edges. */
const expectSimple = (g: SocialGraph): void => {
  expect(g.directed).toBe(false)
  expect(g.target.length).toBe(g.source.length)
  expect(g.weight.length).toBe(g.source.length)
  expect(g.weight.every((w) => w === 1)).toBe(true)
  expect(g.keys.length).toBe(g.n)
  expect(g.keys[g.n - 1]).toBe(String(g.n - 1))
  expect(g.group.length).toBe(g.n)
  for (let e = 0; e < g.source.length; e++) {
    const [a, b] = [g.source[e], g.target[e]]
    if (a === b || a < 0 || b < 0 || a >= g.n || b >= g.n) throw new Error(`bad edge ${e}: ${a}-${b}`)
  }
  expect(edgeSet(g).size).toBe(g.source.length)
}

const degrees = (g: SocialGraph): Int32Array => {
  const degree = new Int32Array(g.n)
  for (let e = 0; e < g.source.length; e++) {
    degree[g.source[e]]++
    degree[g.target[e]]++
  }
  return degree
}

const componentCount = (g: SocialGraph): number => {
  const adjacency: number[][] = Array.from({ length: g.n }, () => [])
  for (let e = 0; e < g.source.length; e++) {
    adjacency[g.source[e]].push(g.target[e])
    adjacency[g.target[e]].push(g.source[e])
  }
  const seen = new Uint8Array(g.n)
  let components = 0
  for (let start = 0; start < g.n; start++) {
    if (seen[start]) continue
    components++
    seen[start] = 1
    const queue = [start]
    for (let head = 0; head < queue.length; head++) {
      for (const w of adjacency[queue[head]]) {
        if (!seen[w]) {
          seen[w] = 1
          queue.push(w)
        }
      }
    }
  }
  return components
}

/** Edges of g inside blocks and across blocks, blocks given by the group array of a one-group-per-block graph. */
const blockCounts = (g: SocialGraph): { within: number; between: number } => {
  let within = 0
  for (let e = 0; e < g.source.length; e++) if (g.group[g.source[e]] === g.group[g.target[e]]) within++
  return { within, between: g.source.length - within }
}

const expectBinomial = (count: number, trials: number, p: number): void => {
  const sd = Math.sqrt(trials * p * (1 - p))
  expect(Math.abs(count - trials * p)).toBeLessThan(4 * sd)
}

describe("complete", () => {
  it.each([1, 2, 7, 50])("K_%i has n(n-1)/2 edges", (n) => {
    const g = complete(n)
    expect(g.n).toBe(n)
    expect(g.source.length).toBe((n * (n - 1)) / 2)
    expectSimple(g)
  })
})

describe("lattice", () => {
  it("periodic lattice has 2·rows·cols edges and every degree 4", () => {
    const g = lattice(5, 7, true)
    expect(g.source.length).toBe(70)
    expectSimple(g)
    expect(degrees(g).every((d) => d === 4)).toBe(true)
  })

  it("non-periodic lattice has rows(cols-1) + cols(rows-1) edges", () => {
    const g = lattice(5, 7, false)
    expect(g.source.length).toBe(5 * 6 + 7 * 4)
    expectSimple(g)
    expect(componentCount(g)).toBe(1)
  })

  it("does not duplicate wrap edges when a side has 2 or 1 nodes", () => {
    expect(lattice(2, 2, true).source.length).toBe(4)
    expect(lattice(2, 5, true).source.length).toBe(2 * 5 + 5)
    expect(lattice(1, 5, true).source.length).toBe(5)
    expectSimple(lattice(2, 2, true))
    expectSimple(lattice(2, 5, true))
    expectSimple(lattice(1, 1, true))
  })
})

describe("erdosRenyi", () => {
  it("has a binomial number of edges (within 4 sd)", () => {
    const n = 2000
    const p = 0.005
    const g = erdosRenyi(n, p, makeStream(7, 1))
    expectSimple(g)
    expectBinomial(g.source.length, (n * (n - 1)) / 2, p)
  })

  it("p = 0 gives no edges and p = 1 the complete graph", () => {
    expect(erdosRenyi(30, 0, makeStream(1, 1)).source.length).toBe(0)
    const full = erdosRenyi(30, 1, makeStream(1, 1))
    expect(full.source.length).toBe(435)
    expectSimple(full)
  })

  it("rejects p outside [0, 1]", () => {
    expect(() => erdosRenyi(10, 1.5, makeStream(1, 1))).toThrow(RangeError)
  })
})

describe("wattsStrogatz", () => {
  const ring = (n: number, k: number): Set<number> => {
    const set = new Set<number>()
    for (let i = 0; i < n; i++) for (let j = 1; j <= k / 2; j++) set.add(pair(n, i, (i + j) % n))
    return set
  }

  it("beta = 0 is exactly the ring lattice", () => {
    const g = wattsStrogatz(100, 6, 0, makeStream(3, 1))
    expectSimple(g)
    expect(edgeSet(g)).toEqual(ring(100, 6))
    expect(degrees(g).every((d) => d === 6)).toBe(true)
  })

  it("beta = 1 keeps the edge count and moves most edges", () => {
    const g = wattsStrogatz(1000, 10, 1, makeStream(3, 1))
    expectSimple(g)
    expect(g.source.length).toBe(5000)
    const lattice = ring(1000, 10)
    const kept = [...edgeSet(g)].filter((key) => lattice.has(key)).length
    expect(kept).toBeLessThan(100)
  })

  it("rewires about beta of the edges", () => {
    const g = wattsStrogatz(2000, 4, 0.2, makeStream(5, 1))
    expectSimple(g)
    const lattice = ring(2000, 4)
    const moved = [...edgeSet(g)].filter((key) => !lattice.has(key)).length
    // A rewired edge lands back on a lattice pair with probability about k/n, negligible here.
    expectBinomial(moved, 4000, 0.2)
  })

  it("rejects odd k", () => {
    expect(() => wattsStrogatz(10, 3, 0.1, makeStream(1, 1))).toThrow(RangeError)
  })
})

describe("barabasiAlbert", () => {
  it("has C(m+1, 2) + (n-m-1)·m edges, is simple and connected", () => {
    const g = barabasiAlbert(1000, 3, makeStream(11, 1))
    expect(g.source.length).toBe(6 + 996 * 3)
    expectSimple(g)
    expect(componentCount(g)).toBe(1)
    expect(Math.min(...degrees(g))).toBe(3)
  })

  it("has a heavy tail: the largest degree is far above m", () => {
    const g = barabasiAlbert(10000, 3, makeStream(11, 2))
    // Expected maximum is about m·sqrt(n) = 300; a uniform-attachment graph would stay near 30.
    expect(Math.max(...degrees(g))).toBeGreaterThan(100)
  })

  it("is deterministic in its seed", () => {
    const a = barabasiAlbert(500, 2, makeStream(99, 4))
    const b = barabasiAlbert(500, 2, makeStream(99, 4))
    const c = barabasiAlbert(500, 2, makeStream(100, 4))
    expect(b.source).toEqual(a.source)
    expect(b.target).toEqual(a.target)
    expect(c.target).not.toEqual(a.target)
  })

  it("handles 200 000 nodes", () => {
    const g = barabasiAlbert(200000, 5, makeStream(1, 9))
    expect(g.source.length).toBe(15 + (200000 - 6) * 5)
    expect(g.source.buffer.byteLength).toBe(4 * g.source.length)
  })
})

describe("stochasticBlock", () => {
  const sizes = [300, 300, 200]
  const withinPairs = 2 * ((300 * 299) / 2) + (200 * 199) / 2
  const betweenPairs = 300 * 300 + 2 * 300 * 200

  it("links within and across blocks at pIn and pOut (within 4 sd)", () => {
    const g = stochasticBlock(sizes, 0.05, 0.005, makeStream(21, 1))
    expectSimple(g)
    const { within, between } = blockCounts(g)
    expectBinomial(within, withinPairs, 0.05)
    expectBinomial(between, betweenPairs, 0.005)
  })

  it("assigns one group per block by default", () => {
    const g = stochasticBlock(sizes, 0.1, 0, makeStream(21, 2))
    expect(g.groupNames).toEqual(["g0", "g1", "g2"])
    expect([g.group[0], g.group[299], g.group[300], g.group[599], g.group[600], g.group[799]]).toEqual([0, 0, 1, 1, 2, 2])
    expect(blockCounts(g).between).toBe(0)
  })

  it("wraps blocks onto fewer groups, or onto given names", () => {
    const counted = stochasticBlock(sizes, 0.1, 0.1, makeStream(21, 3), 2)
    expect(counted.groupNames).toEqual(["g0", "g1"])
    expect(counted.group[700]).toBe(0)
    const named = stochasticBlock([2, 2], 1, 0, makeStream(21, 4), ["left", "right"])
    expect(named.groupNames).toEqual(["left", "right"])
    expect([...named.group]).toEqual([0, 0, 1, 1])
    expect(named.source.length).toBe(2)
  })
})

describe("connectedCaveman", () => {
  it("has caves·C(size, 2) edges, is simple and is one ring of caves", () => {
    const g = connectedCaveman(6, 5)
    expect(g.n).toBe(30)
    expect(g.source.length).toBe(6 * 10)
    expectSimple(g)
    expect(componentCount(g)).toBe(1)
    expect([...g.group.subarray(0, 10)]).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    expect(g.groupNames).toHaveLength(6)
  })

  it("stays connected without any one ring edge (a ring, not a chain)", () => {
    const g = connectedCaveman(4, 3)
    const crossing = [...g.source.keys()].filter((e) => g.group[g.source[e]] !== g.group[g.target[e]])
    expect(crossing).toHaveLength(4)
    for (const cut of crossing) {
      const keep = [...g.source.keys()].filter((e) => e !== cut)
      const without = { ...g, source: Int32Array.from(keep, (e) => g.source[e]), target: Int32Array.from(keep, (e) => g.target[e]) }
      expect(componentCount(without)).toBe(1)
    }
  })

  it("rewiring keeps the edge count and simplicity", () => {
    const g = connectedCaveman(20, 6, makeStream(8, 1), 0.3, 4)
    expect(g.source.length).toBe(20 * 15)
    expectSimple(g)
    expect(g.groupNames).toEqual(["g0", "g1", "g2", "g3"])
    expect(g.group[6 * 5]).toBe(1)
    expect(blockCounts(g).between).toBeGreaterThan(20 + 40)
  })

  it("requires a generator to rewire, and caves of 3 or more", () => {
    expect(() => connectedCaveman(4, 5, undefined, 0.2)).toThrow(RangeError)
    expect(() => connectedCaveman(4, 2)).toThrow(RangeError)
  })
})
