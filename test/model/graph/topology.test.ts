// The colouring order: agents by decreasing degree, ties by id, as a comparison sort would give.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { byDecreasingDegree } from "../../../src/model/graph/topology.js"

describe("byDecreasingDegree", () => {
  it("equals sorting by (−degree, id) for any degree sequence", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(40), { maxLength: 300 }), (degrees) => {
        const offsets = new Int32Array(degrees.length + 1)
        degrees.forEach((d, i) => (offsets[i + 1] = offsets[i] + d))
        const expected = degrees.map((_, i) => i).sort((a, b) => degrees[b] - degrees[a] || a - b)
        expect([...byDecreasingDegree(degrees.length, offsets)]).toEqual(expected)
      }),
      { numRuns: 300, seed: 7 }
    )
  })
})
