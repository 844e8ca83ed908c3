// kiln:threshold against Watts (2002): with φ = 0.18 on Erdős–Rényi graphs, one random seed starts a global cascade
// with substantial frequency for mean degree z inside the cascade window (≈ 1 < z < ≈ 6) and never outside; inside,
// the frequency is the chance that the seed touches the giant vulnerable cluster (agents of degree ≤ 1/φ).
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { simulate } from "../../src/run/simulation.js"

const file = join(import.meta.dirname, "../../scenarios/models/threshold.json")
const N = 2000
const PHI = 0.18
const SEEDS = 100
/** A global cascade: the seed tipped more than 10% of the agents (stalled cascades stay at a handful). */
const GLOBAL = 0.1

const poisson = (z: number, k: number) => {
  let p = Math.exp(-z)
  for (let j = 1; j <= k; j++) p *= z / j
  return p
}

/**
 * The chance that one seed triggers a global cascade on an infinite Poisson(z) graph (Watts 2002, eqs. 3–5 in the
 * generating-function form): an agent of degree k is vulnerable — one adopted neighbour tips it — when 1/k ≥ φ;
 * u, the chance that an edge does not lead into the giant vulnerable cluster, solves u = 1 − Σ_{k vulnerable}
 * (k p_k / z)(1 − u^(k−1)); the seed triggers the cluster unless none of its edges leads into it: 1 − Σ_k p_k u^k.
 */
const cascadeChance = (z: number) => {
  const vulnerable = Math.floor(1 / PHI)
  let u = 0
  for (let it = 0; it < 10_000; it++) {
    let reached = 0
    for (let k = 1; k <= vulnerable; k++) reached += ((k * poisson(z, k)) / z) * (1 - u ** (k - 1))
    u = 1 - reached
  }
  let none = 0
  for (let k = 0; k < 200; k++) none += poisson(z, k) * u ** k
  return 1 - none
}

/** Final adopted shares of SEEDS runs at mean degree z, each stopped at the first tick that tipped nobody. */
const cascades = async (z: number) => {
  const { scenario } = await loadScenarioWithPlugins(file)
  const shares: number[] = []
  for (let seed = 1; seed <= SEEDS; seed++) {
    const s = { ...scenario, seed, ticks: 1000, graph: { kind: "erdosRenyi" as const, n: N, p: z / (N - 1) } }
    // the cascade is deterministic and monotone once seeded: a tick that changes nothing is the end
    const r = await simulate(s, { file, stop: [{ kind: "steady", metric: "threshold_adopted", ticks: 1, tolerance: 0 }] })
    expect(r.stopReason).toBe("steady:threshold_adopted")
    shares.push(r.metrics.rows.at(-1)!.at(-1)!)
  }
  return shares
}

const frequency = (shares: number[]) => shares.filter((x) => x > GLOBAL).length / shares.length

describe("Watts' threshold cascades (kiln:threshold), φ = 0.18, Erdős–Rényi graphs of 2,000 agents", () => {
  it.each([0.5, 10])("z = %s, outside the window: at most 1 of 100 seeds starts a global cascade", async (z) => {
    const shares = await cascades(z)
    expect(shares.filter((x) => x > GLOBAL).length).toBeLessThanOrEqual(1)
    // … and the stalled cascades are small: below the connectivity limit (z = 0.5) or stopped at once (z = 10)
    expect(Math.max(...shares)).toBeLessThan(0.02)
  }, 60_000)

  // 3 binomial SEs: each check fails by chance with probability 0.3%
  it.each([2, 3, 4, 5])("z = %s, inside the window: global cascades as often as the seed meets the vulnerable cluster, within 3 SE", async (z) => {
    const f = frequency(await cascades(z))
    const p = cascadeChance(z)
    expect(p).toBeGreaterThan(0.5)
    const se = Math.sqrt((p * (1 - p)) / SEEDS)
    expect(Math.abs(f - p), `${f} vs ${p}, SE ${se}`).toBeLessThan(3 * se)
  }, 60_000)
})
