// The ABC-SMC core on a model with a known posterior: the mean of n normal observations with known σ.
// With a flat prior and summary x̄, the exact posterior is N(ȳ, σ²/n); the ABC posterior at tolerance ε is that
// normal convolved with Uniform(−ε, ε): mean ȳ, variance σ²/n + ε²/3. Both are checked over several seeds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { abcSmc, distance, madScale, weightedQuantile, type AbcGeneration, type AbcSimulator } from "../../src/experiment/calibrate/abc.js"
import { makeStream, mix32 } from "../../src/model/rng.js"

const n = 25
const sigma = 2
const ybar = 1.3
const s = sigma / Math.sqrt(n)

/** x̄ of n draws from N(μ, σ²), a stream per (seed, generation, batch, proposal). */
const gaussianModel = (seed: number): AbcSimulator => async (thetas, at) =>
  thetas.map(([mu], k) => {
    const u = makeStream(seed, mix32(mix32(mix32(at.generation) ^ at.batch) ^ k))
    let sum = 0
    for (let i = 0; i < n; i++) sum += mu + sigma * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())
    return [sum / n]
  })

const moments = (g: AbcGeneration): { mean: number; sd: number } => {
  const mean = g.particles.reduce((acc, p, i) => acc + g.weights[i] * p[0], 0)
  const v = g.particles.reduce((acc, p, i) => acc + g.weights[i] * (p[0] - mean) ** 2, 0)
  return { mean, sd: Math.sqrt(v) }
}

const calibrate = (seed: number, particles = 400, generations = 7) =>
  abcSmc({
    parameters: [{ name: "mu", prior: "uniform", from: -10, to: 10 }],
    observed: [ybar],
    scales: [1],
    particles,
    generations,
    seed,
    simulate: gaussianModel(seed)
  })

describe("ABC-SMC on the mean of a normal sample", () => {
  it("matches the ABC posterior N(ȳ, σ²/n) ∗ U(−ε, ε) in mean and sd over five seeds, and nears the exact one", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = await calibrate(seed)
      const g = r.posterior
      expect(r.generations.length).toBe(7)
      expect(r.stopReason).toBe("generations")
      const { mean, sd } = moments(g)
      // the last population was accepted under epsilon: its target has variance s² + ε²/3
      const target = Math.sqrt(s * s + (g.epsilon * g.epsilon) / 3)
      // Monte Carlo error with the effective sample size: se(mean) = sd/√ESS, se(sd)/sd ≈ 1/√(2 ESS); 4 se bounds
      expect(g.ess).toBeGreaterThan(100)
      expect(Math.abs(mean - ybar)).toBeLessThan((4 * target) / Math.sqrt(g.ess))
      expect(Math.abs(sd / target - 1)).toBeLessThan(4 / Math.sqrt(2 * g.ess))
      // the tolerance has shrunk well below the exact posterior's sd, so the sd is within ε²/(6 s²) + 4 se of s
      expect(g.epsilon).toBeLessThan(s / 2)
      expect(Math.abs(sd / s - 1)).toBeLessThan((g.epsilon * g.epsilon) / (6 * s * s) + 4 / Math.sqrt(2 * g.ess))
    }
  })

  it("normalises the weights, keeps every distance within its tolerance, and lowers the tolerance every generation", async () => {
    const r = await calibrate(11, 200, 6)
    expect(r.generations[0].epsilon).toBe(Infinity)
    let last = Infinity
    for (const g of r.generations) {
      expect(g.particles.length).toBe(200)
      expect(Math.abs(g.weights.reduce((a, w) => a + w, 0) - 1)).toBeLessThan(1e-12)
      expect(g.weights.every((w) => w > 0)).toBe(true)
      expect(g.distances.every((x) => x <= g.epsilon)).toBe(true)
      if (g.generation > 0) expect(g.epsilon).toBeLessThan(last)
      expect(g.proposed).toBeGreaterThanOrEqual(200)
      last = g.epsilon
    }
    expect(r.simulations).toBe(r.generations.reduce((a, g) => a + g.proposed, 0))
  })

  it("is deterministic for a seed, and a run resumed from its first populations ends the same", async () => {
    const a = await calibrate(5, 150, 5)
    const b = await calibrate(5, 150, 5)
    expect(JSON.stringify(b.posterior)).toBe(JSON.stringify(a.posterior))
    const c = await abcSmc({
      parameters: [{ name: "mu", prior: "uniform", from: -10, to: 10 }],
      observed: [ybar], scales: [1], particles: 150, generations: 5, seed: 5, simulate: gaussianModel(5),
      resume: { generations: JSON.parse(JSON.stringify(a.generations.slice(0, 2)).replace(/null/g, "1e999")), scales: a.scales }
    })
    expect(JSON.stringify(c.posterior)).toBe(JSON.stringify(a.posterior))
    const other = await calibrate(6, 150, 5)
    expect(JSON.stringify(other.posterior)).not.toBe(JSON.stringify(a.posterior))
  })

  it("stops at the first population within --until-epsilon", async () => {
    const r = await abcSmc({
      parameters: [{ name: "mu", prior: "uniform", from: -10, to: 10 }],
      observed: [ybar], scales: [1], particles: 100, untilEpsilon: 0.2, seed: 3, simulate: gaussianModel(3)
    })
    expect(r.stopReason).toBe("epsilon")
    expect(r.posterior.epsilon).toBeLessThanOrEqual(0.2)
    expect(r.generations[r.generations.length - 2].epsilon).toBeGreaterThan(0.2)
  })

  it("samples a log-uniform prior uniformly in ln θ, within its range", async () => {
    const r = await abcSmc({
      parameters: [{ name: "k", prior: "log-uniform", from: 0.01, to: 100 }],
      observed: [0], scales: [1], particles: 2000, generations: 1, seed: 9,
      simulate: async (thetas) => thetas.map(() => [0])
    })
    const logs = r.posterior.particles.map(([k]) => Math.log10(k))
    expect(Math.min(...logs)).toBeGreaterThanOrEqual(-2)
    expect(Math.max(...logs)).toBeLessThanOrEqual(2)
    // uniform on [-2, 2]: mean 0 (sd 4/√12/√2000 ≈ 0.026), a quarter below -1
    expect(Math.abs(logs.reduce((a, x) => a + x, 0) / logs.length)).toBeLessThan(0.1)
    expect(Math.abs(logs.filter((x) => x < -1).length / logs.length - 0.25)).toBeLessThan(0.04)
  })
})

describe("ABC helpers", () => {
  it("weighted quantile, MAD scale and distance", () => {
    expect(weightedQuantile([3, 1, 2, 4], [0.25, 0.25, 0.25, 0.25], 0.5)).toBe(2)
    expect(weightedQuantile([3, 1, 2, 4], [0.7, 0.1, 0.1, 0.1], 0.5)).toBe(3)
    expect(madScale([1, 2, 3, 4, 100])).toBeCloseTo(1.4826, 10)
    expect(distance([1, 5], [0, 1], [1, 2], [1, 0.25])).toBeCloseTo(Math.sqrt(1 + 0.25 * 4), 12)
    expect(distance([NaN, 5], [0, 1], [1, 2], [1, 1])).toBe(Infinity)
  })
})

describe("docs/EXPERIMENTS.md, Calibration", () => {
  it("the TypeScript example runs and its posterior is the one the page describes", async () => {
    const root = resolve(import.meta.dirname, "../..")
    const doc = readFileSync(join(root, "docs/EXPERIMENTS.md"), "utf8")
    const section = doc.slice(doc.indexOf("## Calibration"), doc.indexOf("## Not done (yet)"))
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]
      .replace(/from "kiln"/g, `from ${JSON.stringify(join(root, "src/index.ts"))}`)
      .concat("\nexport { result }\n")
    const file = join(mkdtempSync(join(root, "node_modules/.kiln-calibration-doc-")), "example.mts")
    writeFileSync(file, code)
    const m = await import(file).finally(() => rmSync(dirname(file), { recursive: true, force: true }))
    const g = m.result.posterior as AbcGeneration
    const { mean, sd } = moments(g)
    const target = Math.sqrt(0.4 ** 2 + g.epsilon ** 2 / 3)
    expect(g.particles.length).toBe(300)
    expect(Math.abs(mean - 1.3)).toBeLessThan((4 * target) / Math.sqrt(g.ess))
    expect(Math.abs(sd / target - 1)).toBeLessThan(4 / Math.sqrt(2 * g.ess))
  })
})
