// Label propagation on typed arrays: deterministic for a seed, and it recovers planted communities (the caves of
// connected caveman graphs, the blocks of dense stochastic block models).
import { describe, expect, it } from "vitest"
import { barabasiAlbert, connectedCaveman, stochasticBlock } from "../../src/model/graph/generators.js"
import { makeStream } from "../../src/model/rng.js"
import { attachSmall, buildCsr, labelPropagation, numberBySize } from "../../src/serve/communities.js"

/** True when the two partitions are the same up to renaming the communities. */
const samePartition = (a: Int32Array, b: Int32Array): boolean => {
  const ab = new Map<number, number>()
  const ba = new Map<number, number>()
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) return false
    ab.set(a[i], b[i])
    ba.set(b[i], a[i])
  }
  return true
}

describe("buildCsr", () => {
  it("lists every edge under both ends with its weight, and drops self-loops", () => {
    const csr = buildCsr(4, [0, 1, 2, 3], [1, 2, 0, 3], [1, 2, 3, 4])
    expect(Array.from(csr.starts)).toEqual([0, 2, 4, 6, 6])
    expect(Array.from(csr.neighbours)).toEqual([1, 2, 0, 2, 1, 0])
    expect(Array.from(csr.weights)).toEqual([1, 3, 1, 2, 2, 3])
  })
})

describe("labelPropagation", () => {
  it("keeps every cave of connected caveman graphs whole, and nearly all of them alone, for several seeds and cave sizes", () => {
    // Label propagation may join two caves across their one bridge when the bridge wins an early tie (a known
    // property of the method); it never splits a clique. Both are counted here.
    for (const [caves, size] of [[40, 8], [200, 12], [25, 30]]) {
      const g = connectedCaveman(caves, size)
      const csr = buildCsr(g.n, g.source, g.target, g.weight)
      let joined = 0
      for (const seed of [1, 2, 3, 4, 5]) {
        const r = labelPropagation(csr, { seed })
        // Whole: every member of a cave is in its first member's community.
        for (let i = 0; i < g.n; i++) expect(r.community[i]).toBe(r.community[i - (i % size)])
        joined += caves - r.count
        expect(r.count).toBeGreaterThanOrEqual(Math.floor(0.95 * caves))
        expect(r.iterations).toBeLessThan(30)
      }
      expect(joined).toBeLessThanOrEqual(Math.ceil(0.02 * caves * 5))
    }
    // Small caveman graphs come out exact.
    const g = connectedCaveman(10, 10)
    const r = labelPropagation(buildCsr(g.n, g.source, g.target, g.weight), { seed: 1 })
    expect(samePartition(r.community, g.group)).toBe(true)
  })

  it("recovers the blocks of a dense planted partition (stochastic block model)", () => {
    for (const seed of [1, 2, 3]) {
      const rand = makeStream(seed, 7)
      const g = stochasticBlock([300, 200, 150, 100], 0.1, 0.002, rand)
      const r = labelPropagation(buildCsr(g.n, g.source, g.target, g.weight), { seed })
      expect(r.count).toBe(4)
      expect(samePartition(r.community, g.group)).toBe(true)
      // Numbered by size: the 300 block is community 0.
      expect(r.community[0]).toBe(0)
    }
  })

  it("gives the same communities for the same graph and seed, and numbers them largest first", () => {
    const g = barabasiAlbert(5000, 2, makeStream(9, 1))
    const csr = buildCsr(g.n, g.source, g.target, g.weight)
    const a = labelPropagation(csr, { seed: 3 })
    const b = labelPropagation(csr, { seed: 3 })
    expect(Array.from(a.community)).toEqual(Array.from(b.community))
    const sizes = new Array<number>(a.count).fill(0)
    for (const c of a.community) sizes[c]++
    for (let k = 1; k < sizes.length; k++) expect(sizes[k]).toBeLessThanOrEqual(sizes[k - 1])
  })

  it("leaves isolated nodes alone and ignores negative ties", () => {
    const csr = buildCsr(5, [0, 1, 3], [1, 2, 4], [1, 1, -1])
    const r = labelPropagation(csr)
    expect(r.community[0]).toBe(r.community[1])
    expect(r.community[1]).toBe(r.community[2])
    expect(r.community[3]).not.toBe(r.community[4])
    expect(r.count).toBe(3)
  })
})

describe("numberBySize", () => {
  it("numbers labels largest first, equal sizes by their first member", () => {
    const { community, count, sizes } = numberBySize(Int32Array.from([7, 3, 3, 7, 5, 5, 5, 9]))
    expect(Array.from(community)).toEqual([1, 2, 2, 1, 0, 0, 0, 3])
    expect(count).toBe(4)
    expect(Array.from(sizes)).toEqual([3, 2, 2, 1])
  })
})

describe("attachSmall", () => {
  it("joins each small community to the kept one it is most tied to, through other small ones, and leaves the unreachable apart", () => {
    // Kept: 0 = nodes 0-3, 1 = nodes 4-6. Small: 2 = {7, 8} tied to 0 twice and to 1 once; 3 = {9} tied only to 2;
    // 4 = {10} tied to nothing; 5 = {11} with a negative tie to 0 only.
    const edges = [[0, 1], [1, 2], [2, 3], [4, 5], [5, 6], [7, 0], [8, 1], [8, 4], [9, 7], [11, 0]]
    const csr = buildCsr(12, edges.map((e) => e[0]), edges.map((e) => e[1]), edges.map((e) => (e[0] === 11 ? -1 : 1)))
    const community = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 5])
    const a = attachSmall(csr, community, 6, 2)
    expect(Array.from(a.community)).toEqual([0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2])
    expect([a.kept, a.attached, a.rest]).toEqual([2, 2, 2])
  })

  it("renumbers the kept communities by their size after joining", () => {
    // Kept 0 = {0,1,2}, 1 = {3,4}; small 2 = {5,6} tied to 1: community 1 grows to 4 and comes first.
    const edges = [[0, 1], [1, 2], [3, 4], [5, 3], [6, 5]]
    const csr = buildCsr(7, edges.map((e) => e[0]), edges.map((e) => e[1]))
    const a = attachSmall(csr, Int32Array.from([0, 0, 0, 1, 1, 2, 2]), 3, 2)
    expect(Array.from(a.community)).toEqual([1, 1, 1, 0, 0, 0, 0])
    expect(a.rest).toBe(0)
  })
})
