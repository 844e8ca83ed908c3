// One agent's belief network: dissonance, frustration, complexity and the reorganisation rules.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Net from "../../src/model/belief-network.js"
import { pairCount, pairIndexTable } from "../../src/model/state.js"

/** Packs a full symmetric matrix (array of rows) into the upper-triangle layout. */
const pack = (m: number[][]): Float32Array => {
  const B = m.length
  const W = new Float32Array(pairCount(B))
  let k = 0
  for (let a = 0; a < B; a++) for (let b = a + 1; b < B; b++) W[k++] = m[a][b]
  return W
}

describe("dissonance", () => {
  it("is -sum W_ab s_a s_b - sum h_a s_a", () => {
    const W = pack([[0, 1, -0.5], [1, 0, 0.25], [-0.5, 0.25, 0]])
    const s = Int8Array.from([1, -1, 1])
    const h = Float32Array.from([0.5, 0, -1])
    // -(1·1·-1 + -0.5·1·1 + 0.25·-1·1) - (0.5·1 + -1·1) = -(-1.75) - (-0.5) = 2.25
    expect(Net.dissonance(W, 0, s, 0, h, 0, 3)).toBeCloseTo(2.25, 6)
    expect(Net.internalField(W, 0, s, 0, 0, 3, pairIndexTable(3))).toBeCloseTo(1 * -1 + -0.5 * 1, 6)
  })
})

describe("frustration (structural balance)", () => {
  it("counts triads whose sign product is negative among fully non-zero triads", () => {
    const pix = pairIndexTable(3)
    expect(Net.frustration(pack([[0, 1, 1], [1, 0, 1], [1, 1, 0]]), 0, 3, pix)).toBe(0)
    expect(Net.frustration(pack([[0, 1, -1], [1, 0, 1], [-1, 1, 0]]), 0, 3, pix)).toBe(1)
    expect(Net.frustration(pack([[0, 1, 0], [1, 0, 1], [0, 1, 0]]), 0, 3, pix)).toBe(-1)
    // Four beliefs, one negative coupling: the two triads containing it are frustrated out of four.
    const m = [[0, 1, 1, 1], [1, 0, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0]]
    m[0][1] = m[1][0] = -1
    expect(Net.frustration(pack(m), 0, 4, pairIndexTable(4))).toBe(0.5)
  })
})

describe("frustration by bit masks", () => {
  it("counts exactly the triads the triple loop counts, for every B up to 32, zeros, negative zeros and signs", () => {
    const weight = fc.constantFrom(0, -0, 1, -1, 0.25, -0.5, 1e-30, -3e-38)
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 32 }), fc.array(weight, { minLength: 496, maxLength: 496 }), fc.nat(8), (B, ws, offset) => {
        const P = pairCount(B)
        const W = new Float32Array(offset + P)
        W.set(ws.slice(0, P), offset)
        const pix = pairIndexTable(B)
        expect(Net.frustration(W, offset, B, pix)).toBe(Net.frustrationByTriads(W, offset, B, pix))
      }),
      { numRuns: 400, seed: 13 }
    )
  })
})

describe("coupling fingerprints", () => {
  it("report a change for any changed bit and none for the same couplings", () => {
    const W = Float32Array.from({ length: 120 }, (_, k) => Math.sin(k))
    const bits = new Uint32Array(W.buffer)
    const memo = new Float64Array(2)
    expect(Net.couplingsChanged(bits, 0, 120, memo, 0)).toBe(true)
    expect(Net.couplingsChanged(bits, 0, 120, memo, 0)).toBe(false)
    const seen = new Set<string>([memo.join()])
    for (let k = 0; k < 120; k++) {
      for (const bit of [0, 13, 31]) {
        bits[k] ^= 1 << bit
        expect(Net.couplingsChanged(bits, 0, 120, memo, 0)).toBe(true)
        seen.add(memo.join())
        bits[k] ^= 1 << bit
        expect(Net.couplingsChanged(bits, 0, 120, memo, 0)).toBe(true)
      }
    }
    expect(seen.size).toBe(1 + 360)
    expect(Net.couplingsChanged(bits, 0, 120, memo, 0)).toBe(false)
  })
})

describe("complexity (effective rank / B)", () => {
  it("is 1/B... for a rank-one network and 1 for a flat spectrum", () => {
    const B = 6
    const p = [1, -1, 1, 1, -1, 1]
    const rankOne = p.map((pa, a) => p.map((pb, b) => (a === b ? 0 : pa * pb)))
    // p pᵀ with the diagonal removed has eigenvalues B-1 (once) and -1 (B-1 times): |λ| shares 1/2, 1/10 × 5.
    const shares = [0.5, 0.1, 0.1, 0.1, 0.1, 0.1]
    const expected = Math.exp(-shares.reduce((h, q) => h + q * Math.log(q), 0)) / B
    const scratch = new Float64Array(B * B)
    const work = new Float64Array(2 * B)
    expect(Net.complexity(pack(rankOne), 0, B, pairIndexTable(B), scratch, work)).toBeCloseTo(expected, 9)
    expect(Net.complexity(pack([[0, 1], [1, 0]]), 0, 2, pairIndexTable(2), new Float64Array(4), work)).toBeCloseTo(1, 12)
    expect(Net.complexity(new Float32Array(pairCount(4)), 0, 4, pairIndexTable(4), new Float64Array(16), work)).toBe(0)
  })

  it("finds the eigenvalues of symmetric matrices (Householder + QL)", () => {
    const eig = (rows: number[][]) => {
      const n = rows.length
      const work = new Float64Array(2 * n)
      Net.symmetricEigenvalues(Float64Array.from(rows.flat()), n, work)
      return [...work.subarray(0, n)].sort((x, y) => x - y)
    }
    // [[2,1],[1,2]]: 1 and 3.
    expect(eig([[2, 1], [1, 2]])).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)])
    // The path graph P4's adjacency: 2 cos(kπ/5), k = 1..4.
    const path = [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]]
    const exact = [1, 2, 3, 4].map((k) => 2 * Math.cos((k * Math.PI) / 5)).sort((x, y) => x - y)
    eig(path).forEach((v, k) => expect(v).toBeCloseTo(exact[k], 12))
    // A random symmetric 12×12: the sum of eigenvalues is the trace and the sum of squares the Frobenius norm².
    const rand = mulberry(9)
    const n = 12
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(0))
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i][j] = m[j][i] = rand() - 0.5
    const values = eig(m)
    const trace = m.reduce((t, row, i) => t + row[i], 0)
    const frobenius = m.flat().reduce((t, v) => t + v * v, 0)
    expect(values.reduce((t, v) => t + v, 0)).toBeCloseTo(trace, 10)
    expect(values.reduce((t, v) => t + v * v, 0)).toBeCloseTo(frobenius, 10)
  })
})

describe("reorganisation", () => {
  it("Hebbian imprinting moves W toward wMax s sᵀ at the given rate", () => {
    const W = new Float32Array(3)
    const s = Int8Array.from([1, -1, 1])
    Net.hebbian(W, 0, s, 0, 3, 0.5, 0, 1)
    expect(Array.from(W)).toEqual([-0.5, 0.5, -0.5])
    for (let k = 0; k < 60; k++) Net.hebbian(W, 0, s, 0, 3, 0.5, 0, 1)
    expect(Array.from(W).map((w) => Math.round(w * 1e6) / 1e6)).toEqual([-1, 1, -1])
  })

  it("a local rate applies only to couplings the beliefs violate (field annealing)", () => {
    const W = Float32Array.from([1, 1, 1])
    const s = Int8Array.from([1, -1, 1])
    Net.hebbian(W, 0, s, 0, 3, 0, 0.5, 1)
    // Pairs (0,1) and (1,2) are violated (W s s < 0) and move; (0,2) is consonant and stays.
    expect(Array.from(W)).toEqual([0, 1, 0])
  })

  it("the complexity bias flattens the spectrum for kappa > 0 and sharpens it for kappa < 0", () => {
    const B = 8
    const pix = pairIndexTable(B)
    const scratch = () => [new Float64Array(B * B), new Float64Array(B * B), new Float64Array(B * B)] as const
    const start = () => {
      const rand = mulberry(3)
      const m = Array.from({ length: B }, () => new Array<number>(B).fill(0))
      for (let a = 0; a < B; a++) for (let b = a + 1; b < B; b++) m[a][b] = m[b][a] = 0.3 * (rand() - 0.5) + (a < 4 && b < 4 ? 0.4 : 0)
      return pack(m)
    }
    const work = new Float64Array(2 * B)
    const c0 = Net.complexity(start(), 0, B, pix, new Float64Array(B * B), work)
    const run = (rate: number) => {
      const W = start()
      const [a, b, c] = scratch()
      for (let k = 0; k < 100; k++) Net.spectralBias(W, 0, B, pix, rate, 1, a, b, c)
      return Net.complexity(W, 0, B, pix, new Float64Array(B * B), work)
    }
    expect(run(0.05)).toBeGreaterThan(c0 + 0.05)
    expect(run(-0.05)).toBeLessThan(c0 - 0.05)
  })

  it("nREM housekeeping shrinks every coupling by the same factor", () => {
    const W = Float32Array.from([1, -0.5, 0.25])
    Net.shrink(W, 0, 3, 0.5)
    expect(Array.from(W)).toEqual([0.5, -0.25, 0.125])
  })
})

function mulberry(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
