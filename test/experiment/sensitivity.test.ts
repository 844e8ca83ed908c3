// The sensitivity estimators on functions with known indices: the Sobol sequence against published points, Saltelli
// with Jansen's estimators on the Ishigami function, Morris on functions with known elementary effects.
import { describe, expect, it } from "vitest"
import { sobolPoints } from "../../src/experiment/sensitivity/sobol-sequence.js"
import { saltelliDesign, sobolIndices } from "../../src/experiment/sensitivity/saltelli.js"
import { elementaryEffects, morrisDesign, morrisEffects } from "../../src/experiment/sensitivity/morris.js"

describe("Sobol sequence (Joe–Kuo 6.21201 direction numbers)", () => {
  it("gives scipy's unscrambled points (scipy.stats.qmc.Sobol(d, scramble=False, bits=32))", () => {
    const two = sobolPoints(8, 2)
    expect(Array.from(two)).toEqual([0, 0, 0.5, 0.5, 0.75, 0.25, 0.25, 0.75, 0.375, 0.375, 0.875, 0.875, 0.625, 0.125, 0.125, 0.625])
    const p = sobolPoints(1024, 40)
    const row = (i: number, from: number, to: number) => Array.from(p.subarray(i * 40 + from, i * 40 + to))
    expect(row(2, 0, 40)).toEqual([0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75, 0.75, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75,
      0.25, 0.25, 0.75, 0.25, 0.25, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25, 0.25])
    expect(row(13, 0, 10)).toEqual([0.8125, 0.6875, 0.8125, 0.0625, 0.4375, 0.9375, 0.5625, 0.5625, 0.5625, 0.4375])
    expect(row(777, 15, 25)).toEqual([0.5146484375, 0.4033203125, 0.8642578125, 0.3701171875, 0.7529296875, 0.2373046875, 0.2724609375,
      0.9462890625, 0.4814453125, 0.3447265625])
    expect(row(1000, 30, 40)).toEqual([0.1474609375, 0.1455078125, 0.2958984375, 0.5927734375, 0.8017578125, 0.7705078125, 0.8486328125,
      0.8310546875, 0.3076171875, 0.4794921875])
  })

  it("starts anywhere: points from..from+count equal the same points of the whole sequence", () => {
    const whole = sobolPoints(600, 7)
    expect(Array.from(sobolPoints(100, 7, 437))).toEqual(Array.from(whole.subarray(437 * 7, 537 * 7)))
  })

  it("stratifies every coordinate, scrambled or not: 2^m points put one point in each interval [k/2^m, (k+1)/2^m)", () => {
    for (const [m, scramble] of [[1, undefined], [4, undefined], [8, undefined], [10, undefined], [4, { seed: 1 }], [10, { seed: 2, salt: 5 }]] as const) {
      const n = 2 ** m
      const p = sobolPoints(n, 64, 0, scramble)
      for (let d = 0; d < 64; d++) {
        const hit = new Uint8Array(n)
        for (let i = 0; i < n; i++) hit[Math.floor(p[i * 64 + d] * n)]++
        expect(hit.every((h) => h === 1), `m ${m} dimension ${d + 1}`).toBe(true)
      }
    }
  })

  it("scrambling is seeded: the same seed gives the same points, another seed others; from.. still equals the whole", () => {
    const a = sobolPoints(64, 6, 0, { seed: 3 })
    expect(Array.from(sobolPoints(64, 6, 0, { seed: 3 }))).toEqual(Array.from(a))
    expect(Array.from(sobolPoints(64, 6, 0, { seed: 4 }))).not.toEqual(Array.from(a))
    expect(Array.from(sobolPoints(64, 6, 0, { seed: 3, salt: 1 }))).not.toEqual(Array.from(a))
    expect(Array.from(sobolPoints(16, 6, 40, { seed: 3 }))).toEqual(Array.from(a.subarray(40 * 6, 56 * 6)))
    // no longer the origin, and the coordinates of a point differ
    expect(new Set(a.subarray(0, 6)).size).toBe(6)
  })

  it("refuses dimensions beyond the table", () => {
    expect(() => sobolPoints(4, 65)).toThrow(/1\.\.64/)
  })
})

const ishigami = (x1: number, x2: number, x3: number, a = 7, b = 0.1) =>
  Math.sin(x1) + a * Math.sin(x2) ** 2 + b * x3 ** 4 * Math.sin(x1)

/** Outputs of a function of [0,1)^k on a Saltelli design, in the layout sobolIndices expects. */
const evaluate = (n: number, k: number, f: (u: Float64Array) => number, scramble?: { seed: number }) => {
  const a = new Float64Array(n), b = new Float64Array(n), ab = new Float64Array(n * k)
  for (const p of saltelliDesign(n, k, scramble)) {
    const y = f(p.u)
    if (p.block === "A") a[p.row] = y
    else if (p.block === "B") b[p.row] = y
    else ab[p.factor! * n + p.row] = y
  }
  return { a, b, ab }
}

describe("Saltelli design and Jansen estimators", () => {
  it("lays out A, B and A_B^(i): A_B^(i) is A with column i from B; N·(k + 2) points", () => {
    const d = saltelliDesign(16, 3)
    expect(d).toHaveLength(16 * 5)
    const seq = sobolPoints(16, 6)
    for (let j = 0; j < 16; j++) {
      const [A, B, ...AB] = d.slice(j * 5, j * 5 + 5)
      expect([A.block, B.block, ...AB.map((p) => `${p.block}${p.factor}`)]).toEqual(["A", "B", "AB0", "AB1", "AB2"])
      expect(Array.from(A.u)).toEqual(Array.from(seq.subarray(j * 6, j * 6 + 3)))
      expect(Array.from(B.u)).toEqual(Array.from(seq.subarray(j * 6 + 3, j * 6 + 6)))
      AB.forEach((p, i) => expect(Array.from(p.u)).toEqual(Array.from(A.u, (v, c) => (c === i ? B.u[c] : v))))
    }
  })

  it("Ishigami (a = 7, b = 0.1): S1 = 0.314, 0.442, 0 and ST = 0.558, 0.442, 0.244 within 0.02, intervals covering them", () => {
    const n = 2 ** 13
    const S1 = [0.3139, 0.4424, 0], ST = [0.5576, 0.4424, 0.2437]
    // the unscrambled sequence and four scrambles, each with another bootstrap seed
    for (const seed of [0, 1, 2, 3, 4]) {
      const f = (u: Float64Array) => ishigami(-Math.PI + 2 * Math.PI * u[0], -Math.PI + 2 * Math.PI * u[1], -Math.PI + 2 * Math.PI * u[2])
      const y = evaluate(n, 3, f, seed === 0 ? undefined : { seed })
      const r = sobolIndices(y, { seed: seed + 1, resamples: 500 })
      expect(r.n).toBe(n)
      // analytic Var(Y) = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2
      expect(r.variance).toBeCloseTo(49 / 8 + (0.1 * Math.PI ** 4) / 5 + (0.01 * Math.PI ** 8) / 18 + 0.5, 1)
      r.indices.forEach((ix, i) => {
        expect(Math.abs(ix.s1 - S1[i]), `S1 of x${i + 1}`).toBeLessThan(0.02)
        expect(Math.abs(ix.st - ST[i]), `ST of x${i + 1}`).toBeLessThan(0.02)
        expect(ix.s1Conf.lo).toBeLessThan(S1[i] + 0.01)
        expect(ix.s1Conf.hi).toBeGreaterThan(S1[i] - 0.01)
        expect(ix.stConf.lo).toBeLessThan(ST[i] + 0.01)
        expect(ix.stConf.hi).toBeGreaterThan(ST[i] - 0.01)
        // the intervals are tight at this N and contain the estimate
        expect(ix.s1Conf.hi - ix.s1Conf.lo).toBeLessThan(0.1)
        expect(ix.s1Conf.lo).toBeLessThanOrEqual(ix.s1)
        expect(ix.s1Conf.hi).toBeGreaterThanOrEqual(ix.s1)
      })
    }
  })

  it("a factor the function ignores gets ST = 0 exactly and S1 near 0; the same seed gives the same intervals", () => {
    const y = evaluate(256, 3, (u) => 2 * u[0] + u[1] * u[1], { seed: 5 })
    const r = sobolIndices(y, { seed: 9 })
    expect(r.indices[2].st).toBe(0)
    expect(r.indices[2].stConf).toEqual({ lo: 0, hi: 0 })
    expect(Math.abs(r.indices[2].s1)).toBeLessThan(0.05)
    expect(r.indices[2].s1Conf.lo).toBeLessThanOrEqual(0)
    expect(r.indices[2].s1Conf.hi).toBeGreaterThanOrEqual(0)
    // additive: S1 = ST; analytic: Var(2u) = 1/3, Var(u²) = 4/45
    const v0 = 1 / 3, v1 = 4 / 45
    expect(r.indices[0].s1).toBeCloseTo(v0 / (v0 + v1), 1)
    expect(r.indices[0].st).toBeCloseTo(v0 / (v0 + v1), 1)
    expect(sobolIndices(y, { seed: 9 })).toEqual(r)
    // a constant output has no variance to share out: exactly 0, and NaN indices
    const flat = evaluate(64, 2, () => 0.1 + 0.2, { seed: 1 })
    const c = sobolIndices(flat, { resamples: 10 })
    expect(c.variance).toBe(0)
    expect(c.indices.every((x) => Number.isNaN(x.s1) && Number.isNaN(x.st))).toBe(true)
    expect(sobolIndices(y, { seed: 10 }).indices[0].s1Conf).not.toEqual(r.indices[0].s1Conf)
  })
})

/** Outputs of f on a Morris design and the results. */
const morrisOn = (r: number, k: number, levels: number, f: (u: Float64Array) => number, seed = 1) => {
  const d = morrisDesign(r, k, levels, seed)
  return { design: d, result: morrisEffects(elementaryEffects(d, d.map((p) => f(p.u))), k, { seed }) }
}

describe("Morris trajectories and elementary effects", () => {
  it("moves one factor per step by Δ = p / (2(p − 1)), each factor once per trajectory, on the grid", () => {
    for (const levels of [2, 4, 6]) {
      const d = morrisDesign(20, 5, levels, 3)
      expect(d).toHaveLength(20 * 6)
      const delta = levels / (2 * (levels - 1))
      for (let t = 0; t < 20; t++) {
        const traj = d.slice(t * 6, t * 6 + 6)
        expect(traj.map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5])
        expect(new Set(traj.slice(1).map((p) => p.factor))).toEqual(new Set([0, 1, 2, 3, 4]))
        for (let s = 1; s <= 5; s++) {
          const i = traj[s].factor!
          traj[s].u.forEach((v, c) => {
            expect(Number.isInteger(Math.round(v * (levels - 1) * 1e9) / 1e9)).toBe(true)
            if (c === i) expect(Math.abs(v - traj[s - 1].u[c])).toBeCloseTo(delta, 12)
            else expect(v).toBe(traj[s - 1].u[c])
          })
        }
      }
    }
    // raising r keeps the earlier trajectories
    expect(morrisDesign(7, 4, 4, 11).slice(0, 25)).toEqual(morrisDesign(5, 4, 4, 11))
  })

  it("linear: μ* = |coefficient| exactly, μ = coefficient, σ = 0; a dummy gets 0", () => {
    const c = [3, -2, 0, 0.5]
    const { result } = morrisOn(10, 4, 4, (u) => c.reduce((s, ci, i) => s + ci * u[i], 1))
    result.effects.forEach((e, i) => {
      expect(e.muStar).toBeCloseTo(Math.abs(c[i]), 12)
      expect(e.mu).toBeCloseTo(c[i], 12)
      expect(e.sigma).toBeCloseTo(0, 12)
      expect(e.r).toBe(10)
    })
    expect(result.effects[2]).toMatchObject({ mu: 0, muStar: 0, sigma: 0, muStarConf: { lo: 0, hi: 0 } })
  })

  it("effects are per whole range: for y = c·x with x = from + u·(to − from), μ* = |c|·(to − from) exactly", () => {
    const c = [3, -2, 0], from = [10, -1, 0], width = [4, 0.5, 100]
    const { result } = morrisOn(6, 3, 4, (u) => c.reduce((s, ci, i) => s + ci * (from[i] + u[i] * width[i]), 0), 7)
    result.effects.forEach((e, i) => expect(e.muStar).toBeCloseTo(Math.abs(c[i]) * width[i], 10))
  })

  it("a non-additive term gives σ > 0 to both factors in it, not to the others", () => {
    const { result } = morrisOn(30, 3, 4, (u) => u[0] + 4 * u[1] * u[2])
    expect(result.effects[0].sigma).toBeCloseTo(0, 12)
    expect(result.effects[1].sigma).toBeGreaterThan(0.5)
    expect(result.effects[2].sigma).toBeGreaterThan(0.5)
    // the effect of x2 is 4·x3, whose mean over the grid is 2
    expect(result.effects[1].muStar).toBeGreaterThan(1)
    expect(result.effects[1].muStar).toBeLessThan(3)
    expect(result.effects[1].muStarConf.lo).toBeLessThanOrEqual(result.effects[1].muStar)
    expect(result.effects[1].muStarConf.hi).toBeGreaterThanOrEqual(result.effects[1].muStar)
  })
})
