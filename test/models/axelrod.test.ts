// Axelrod's culture model on a periodic 20×20 lattice with F = 3 features: few traits per feature end in one culture
// (the largest region holds most agents), many in frozen fragments — the order–disorder transition in q of
// Castellano, Marsili & Vespignani (2000). Every run is followed until it freezes.
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runWorld, simulate } from "../../src/run/simulation.js"
import type { Scenario } from "../../src/scenario/schema.js"
import type { World } from "../../src/model/world.js"

const root = join(import.meta.dirname, "../..")
const file = join(root, "scenarios/models/axelrod.json")
const F = 3
const SEEDS = Array.from({ length: 10 }, (_, k) => k + 1)
/** ends the run at the first record where no agent has a neighbour it shares some but not all features with */
const frozen = [{ kind: "crossing" as const, metric: "axelrod_active", threshold: 0, direction: "down" as const }]

const variant = (s: Scenario, seed: number, q: number): Scenario => ({
  ...s, seed, graph: { kind: "lattice", rows: 20, cols: 20, periodic: true }, plugins: [{ module: "kiln:axelrod", options: { features: F, traits: q } }]
})

/** S_max / N computed here from the final cultures: the largest connected set of lattice neighbours with equal cultures. */
const largestRegion = (w: World): number => {
  const { n, offsets, neighbours } = w.topology
  const state = w.plugins[0].state
  const culture = Array.from({ length: F }, (_, f) => state[`feature${f}`])
  const same = (i: number, j: number) => culture.every((c) => c[i] === c[j])
  const root = Int32Array.from({ length: n }, (_, i) => i)
  const find = (i: number): number => (root[i] === i ? i : (root[i] = find(root[i])))
  for (let i = 0; i < n; i++) {
    for (let e = offsets[i]; e < offsets[i + 1]; e++) {
      const j = neighbours[e]
      // frozen: neighbours share every feature or none
      const shared = culture.filter((c) => c[i] === c[j]).length
      expect([0, F]).toContain(shared)
      if (same(i, j)) root[find(i)] = find(j)
    }
  }
  const size = new Map<number, number>()
  for (let i = 0; i < n; i++) size.set(find(i), (size.get(find(i)) ?? 0) + 1)
  return Math.max(...size.values()) / n
}

const meanAndSe = (v: number[]) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1))
  return { mean, se: sd / Math.sqrt(v.length) }
}

const largestOverSeeds = async (s: Scenario, q: number) => {
  const values: number[] = []
  for (const seed of SEEDS) {
    const r = await simulate(variant(s, seed, q), { file, ticks: 50_000, recordEvery: 50, stop: frozen })
    expect(r.stopReason, `q ${q} seed ${seed} froze`).toBe("crossing:axelrod_active")
    const largest = largestRegion(r.world)
    // the model's own S_max / N (axelrod_largest, third column from the end) agrees with this one
    expect(r.metrics.rows.at(-1)!.at(-3), `q ${q} seed ${seed}`).toBeCloseTo(largest, 12)
    values.push(largest)
  }
  return meanAndSe(values)
}

describe("Axelrod's culture model", () => {
  it("two agents sharing k of 3 features interact with probability k/3: no change in a tick (2 encounters) with probability (1 − k/3)², within 3 binomial SE over 400 seeds", async () => {
    const { scenario, plugins } = await loadScenarioWithPlugins(file)
    const seeds = 400
    for (const shared of [1, 2]) {
      let unchanged = 0
      for (let seed = 1; seed <= seeds; seed++) {
        const w = prepareWorld({ ...scenario, seed, ticks: 1, graph: { kind: "complete", n: 2 } }, file, undefined, false, plugins)
        const culture = Array.from({ length: F }, (_, f) => w.plugins[0].state[`feature${f}`])
        // agent 0 holds (0, 0, 0); agent 1 shares its first `shared` features and holds 1 in the others
        const start = culture.map((_, f) => [0, f < shared ? 0 : 1])
        culture.forEach((c, f) => c.set(start[f]))
        await Effect.runPromise(runWorld(w).pipe(Effect.provide(Scheduler.workerPool(1))))
        // a copied feature is never copied back (the two then agree on it), so "unchanged" means "no interaction"
        if (culture.every((c, f) => c[0] === start[f][0] && c[1] === start[f][1])) unchanged++
      }
      const p = (1 - shared / F) ** 2
      const se = Math.sqrt((p * (1 - p)) / seeds)
      expect(Math.abs(unchanged / seeds - p), `${shared} shared: ${unchanged}/${seeds} unchanged, expected ${p.toFixed(3)}`).toBeLessThan(3 * se)
    }
  })

  it("orders at few traits: ⟨S_max⟩/N − 3 SE > 0.8 over 10 seeds at q = 2 and 5 (F = 3, L = 20)", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const q of [2, 5]) {
      const { mean, se } = await largestOverSeeds(scenario, q)
      expect(mean - 3 * se, `q ${q}: ${mean.toFixed(3)} ± ${se.toFixed(3)}`).toBeGreaterThan(0.8)
    }
  })

  it("fragments at many traits: ⟨S_max⟩/N + 3 SE < 0.2 over 10 seeds at q = 15 and 30 (F = 3, L = 20)", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    for (const q of [15, 30]) {
      const { mean, se } = await largestOverSeeds(scenario, q)
      expect(mean + 3 * se, `q ${q}: ${mean.toFixed(3)} ± ${se.toFixed(3)}`).toBeLessThan(0.2)
    }
  })

  it("refuses a non-integer q for uniform traits, naming the option", async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const s = { ...scenario, plugins: [{ module: "kiln:axelrod", options: { traits: 2.5 } }] }
    await expect(simulate(s, { file, ticks: 1 })).rejects.toMatchObject({ path: "plugins[0].options.traits" })
  })
})
