// Shared by the calibration tests: a small scenario heated at tick 5, and an experiment and targets file for it whose
// observed statistics come from one run at known parameters.
import { join } from "node:path"
import { decodeScenario } from "../../src/scenario/load.js"
import { simulate } from "../../src/run/simulation.js"
import { writeJson } from "./support.js"

/** 60 agents heated at tick 5: the dose sets how hot they get, gamma how fast they cool (energy_mean). */
export const scenario = (gamma = 0.1, dose = 3, seed = 1) => ({
  name: "heat", seed, ticks: 40, recordEvery: 5,
  graph: { kind: "erdosRenyi", n: 60, p: 0.1 },
  beliefs: [{ name: "a" }, { name: "b" }, { name: "c", kind: "factual", truth: 1 }],
  prior: { edges: [{ a: "a", b: "b", w: 0.4 }], noise: 0.2 },
  energy: { rest: 0.2, gamma, surprise: 0.3 },
  social: { conformity: 0.5 },
  interventions: [{ kind: "psychedelic", start: 5, dose, volatility: 0.2 }]
})

export const truth = { gamma: 0.12, dose: 3.5 }
const ticks = [10, 15, 25]

/** The observed statistics: energy_mean at `ticks` of one run at the true parameters, with a seed no particle uses. */
const observed = async () => {
  const r = await simulate(decodeScenario(scenario(truth.gamma, truth.dose, 987_654)))
  const e = r.metrics.columns.indexOf("energy_mean")
  const t = r.metrics.columns.indexOf("tick")
  return ticks.map((tick) => r.metrics.rows.find((row) => row[t] === tick)![e])
}

/** heat.json (no factors) and heat.targets.json (gamma log-uniform, dose uniform; energy_mean at ticks 10, 15, 25) in `dir`. */
export const files = async (dir: string, extra: Record<string, unknown> = {}) => {
  const values = await observed()
  const experiment = writeJson(dir, "heat.json", { name: "heat", seed: 5, scenario: scenario(), ...extra })
  const targets = writeJson(dir, "heat.targets.json", {
    priors: [
      { path: "energy.gamma", name: "gamma", prior: "log-uniform", from: 0.02, to: 0.5 },
      { path: "interventions[0].dose", name: "dose", prior: "uniform", from: 0.5, to: 8 }
    ],
    targets: ticks.map((at, k) => ({ metric: "energy_mean", at, value: values[k] }))
  })
  return { experiment, targets }
}
