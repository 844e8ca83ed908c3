// kiln:ising against the Ising model on locally tree-like graphs: on an Erdős–Rényi graph of mean degree c the
// ferromagnet orders below T_c = 1/atanh(1/c) (3.92 for c = 4). Above T_c the susceptibility N⟨m²⟩ is
// χ = Σ_r c^r tanh(1/T)^r = 1/(1 − c tanh(1/T)) (c^r agents at distance r, correlation tanh(1/T) per edge), which
// diverges at T_c; below T_c |m| stays finite; the Binder cumulant of a larger graph crosses a smaller one's near T_c.
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { simulate } from "../../src/run/simulation.js"

const file = join(import.meta.dirname, "../../scenarios/models/ising.json")
const C = 4

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const se = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length)

interface Moments { readonly abs: number; readonly m2: number; readonly m4: number }

/**
 * Time averages of |m|, m² and m⁴ after `burnIn` ticks, one run per seed, each on its own Erdős–Rényi graph of n
 * agents with mean degree C (the graph is part of the sample: averages are over graphs and dynamics).
 */
const runs = async (n: number, T: number, seeds: number, start: "up" | "random", burnIn: number, ticks: number): Promise<Moments[]> => {
  const { scenario } = await loadScenarioWithPlugins(file)
  const out: Moments[] = []
  for (let seed = 1; seed <= seeds; seed++) {
    const s = {
      ...scenario, seed, ticks, recordEvery: 2,
      graph: { kind: "erdosRenyi" as const, n, p: C / (n - 1) },
      plugins: [{ module: "kiln:ising", options: { T, start } }]
    }
    const r = await simulate(s, { file })
    const column = r.metrics.columns.indexOf("ising_m")
    const m = r.metrics.rows.filter((row) => row[0] > burnIn).map((row) => row[column])
    out.push({ abs: mean(m.map(Math.abs)), m2: mean(m.map((x) => x ** 2)), m4: mean(m.map((x) => x ** 4)) })
  }
  return out
}

/** The Binder cumulant 1 − ⟨m⁴⟩/(3⟨m²⟩²) of one run: 2/3 when ordered, 0 for Gaussian fluctuations about m = 0. */
const binder = (r: Moments) => 1 - r.m4 / (3 * r.m2 ** 2)

describe("the Ising model (kiln:ising) on Erdős–Rényi graphs of mean degree 4, T_c = 1/atanh(1/4) = 3.92", () => {
  it.each([5, 7])("T = %s, above T_c: the susceptibility N⟨m²⟩ is 1/(1 − c tanh(1/T)) within 3 SE", async (T) => {
    const n = 2000
    const chi = (await runs(n, T, 6, "random", 100, 1100)).map((r) => n * r.m2)
    const expected = 1 / (1 - C * Math.tanh(1 / T))
    expect(Math.abs(mean(chi) - expected), `${mean(chi)} vs ${expected}, SE ${se(chi)}`).toBeLessThan(3 * se(chi))
  }, 90_000)

  it("T = 3, below T_c: every graph orders (time-averaged |m| > 0.4, Binder cumulant > 0.6)", async () => {
    for (const r of await runs(2000, 3, 4, "up", 100, 600)) {
      expect(r.abs).toBeGreaterThan(0.4)
      expect(binder(r)).toBeGreaterThan(0.6)
    }
  }, 90_000)

  it("the Binder cumulant of 1,000 agents lies above that of 250 at T = 3.3 and below it at T = 4.6, by 2 SE: they cross in between", async () => {
    const difference = async (T: number) => {
      const [small, large] = [await runs(250, T, 6, "up", 100, 1100), await runs(1000, T, 6, "up", 100, 1100)]
      const [u, v] = [small.map(binder), large.map(binder)]
      return { d: mean(v) - mean(u), se: Math.hypot(se(u), se(v)) }
    }
    const below = await difference(3.3)
    expect(below.d, `T = 3.3: ${below.d}, SE ${below.se}`).toBeGreaterThan(2 * below.se)
    const above = await difference(4.6)
    expect(above.d, `T = 4.6: ${above.d}, SE ${above.se}`).toBeLessThan(-2 * above.se)
  }, 90_000)
})
