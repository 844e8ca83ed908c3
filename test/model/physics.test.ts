// The special cases the model must reduce to exactly (docs/MODEL.md §Reductions).
import { describe, expect, it } from "vitest"
import { engineFor, mean } from "../support/scenario.js"

/** The 2D Ising model: one belief, no network, constant energy T, conformity 1, periodic lattice. */
const ising = (T: number, seed: number, L = 48) =>
  engineFor({
    seed,
    graph: { kind: "lattice", rows: L, cols: L, periodic: true },
    beliefs: [{ name: "spin", init: 1 }],
    prior: { noise: 0 },
    energy: { rest: T, gamma: 0, surprise: 0 },
    social: { conformity: 1 }
  })

/** Time-averaged |m| after equilibration. */
const magnetisation = (T: number, seed: number, burn: number, ticks: number): number => {
  const e = ising(T, seed)
  const spins = e.world.state.spins
  for (let t = 0; t < burn; t++) e.step()
  let sum = 0
  for (let t = 0; t < ticks; t++) {
    e.step()
    sum += Math.abs(mean(spins))
  }
  return sum / ticks
}

describe("Onsager: the social layer is the 2D Ising model", () => {
  const onsager = (T: number) => (1 - Math.sinh(2 / T) ** -4) ** (1 / 8)

  it("|m| at T = 2.0 matches (1 - sinh^-4(2/T))^(1/8) = 0.911 within 0.03 over seeds", () => {
    const ms = [1, 2, 3].map((seed) => magnetisation(2.0, seed, 300, 700))
    expect(onsager(2.0)).toBeCloseTo(0.9113, 3)
    for (const m of ms) expect(Math.abs(m - onsager(2.0))).toBeLessThan(0.03)
  })

  it("is disordered above T_c = 2.269: |m| < 0.1 at T = 3.0", () => {
    const ms = [1, 2, 3].map((seed) => magnetisation(3.0, seed, 300, 700))
    for (const m of ms) expect(m).toBeLessThan(0.1)
  })
})

describe("a lone agent is a Boltzmann machine", () => {
  it("two coupled beliefs align with probability 1 / (1 + exp(-2J/T))", () => {
    const J = 0.5
    const T = 1.0
    const e = engineFor({
      graph: { kind: "erdosRenyi", n: 4000, p: 0 },
      beliefs: [{ name: "a" }, { name: "b" }],
      prior: { edges: [{ a: "a", b: "b", w: J }], noise: 0 },
      energy: { rest: T, gamma: 0, surprise: 0 },
      plasticity: { theta: 100, saturation: 101 }
    })
    const s = e.world.state.spins
    const samples: number[] = []
    for (let t = 0; t < 40; t++) {
      e.step()
      let aligned = 0
      for (let i = 0; i < 4000; i++) if (s[2 * i] === s[2 * i + 1]) aligned++
      samples.push(aligned / 4000)
    }
    const exact = 1 / (1 + Math.exp((-2 * J) / T))
    // Independent agents: the sd of one tick's share is sqrt(p(1-p)/N); 40 ticks are nearly independent.
    const se = Math.sqrt((exact * (1 - exact)) / 4000 / samples.length)
    expect(Math.abs(mean(samples) - exact)).toBeLessThan(4 * se)
  })

  it("recalls an imprinted pattern from a corrupted start at low temperature (Hopfield)", () => {
    const B = 16
    const pattern = Array.from({ length: B }, (_, a) => (a * 7) % 3 === 0 ? 1 : -1)
    const names = pattern.map((_, a) => `b${a}`)
    const edges = []
    for (let a = 0; a < B; a++) for (let b = a + 1; b < B; b++) edges.push({ a: names[a], b: names[b], w: (pattern[a] * pattern[b]) / 2 })
    const e = engineFor({
      graph: { kind: "erdosRenyi", n: 200, p: 0 },
      beliefs: names.map((name) => ({ name })),
      prior: { edges, noise: 0 },
      energy: { rest: 0.3, gamma: 0, surprise: 0 },
      plasticity: { theta: 100, saturation: 101 }
    })
    const s = e.world.state.spins
    // Start each agent at the pattern with 4 of 16 beliefs flipped (overlap 0.5).
    for (let i = 0; i < 200; i++) for (let a = 0; a < B; a++) s[i * B + a] = pattern[a] * (a % 4 === i % 4 ? -1 : 1)
    for (let t = 0; t < 20; t++) e.step()
    const overlaps = Array.from({ length: 200 }, (_, i) => {
      let o = 0
      for (let a = 0; a < B; a++) o += s[i * B + a] * pattern[a]
      return Math.abs(o) / B
    })
    expect(mean(overlaps)).toBeGreaterThan(0.97)
  })
})

describe("energy with no sources", () => {
  it("relaxes exponentially to rest at rate gamma: e(t) = rest + (e0 - rest)(1 - gamma)^t", () => {
    const e = engineFor({
      graph: { kind: "erdosRenyi", n: 10, p: 0 },
      beliefs: [{ name: "a" }],
      energy: { rest: 0.5, initial: 4, gamma: 0.07, surprise: 0 }
    })
    for (let t = 1; t <= 60; t++) {
      e.step()
      const expected = 0.5 + 3.5 * (1 - 0.07) ** t
      for (const eps of e.world.state.energy) expect(eps).toBeCloseTo(expected, 12)
    }
  })
})

describe("the Sherrington–Kirkpatrick spin glass", () => {
  it("slow annealing on a complete graph with w ~ N(0, 1/N) reaches energy per spin <= -0.735 at N = 400", () => {
    const N = 400
    const energies = [1, 2].map((seed) => {
      const e = engineFor({
        seed,
        graph: { kind: "complete", n: N },
        weights: { mean: 0, sd: 1, scale: "sqrtN" },
        beliefs: [{ name: "spin" }],
        prior: { noise: 0 },
        energy: { rest: 0, initial: 3, gamma: 0.004, surprise: 0 }
      })
      for (let t = 0; t < 2000; t++) e.step()
      const row = e.measure()
      return row[e.columns.indexOf("social_dissonance_mean")] / 2
    })
    // Finite-N ground states of SK lie near -0.74 at N ≈ 400 (Parisi limit -0.7633); a good anneal gets close.
    for (const u of energies) expect(u).toBeLessThan(-0.735)
  })
})
