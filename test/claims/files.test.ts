// Every experiment in scenarios/claims (the twelve claims and the two templates) decodes, expands into its design
// with at least 5 replicates per point, and its first point runs a few ticks with finite metrics.
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Engine } from "../../src/model/engine.js"
import { expandDesign } from "../../src/experiment/design.js"
import { loadExperiment } from "../../src/experiment/load.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { claimsDir } from "./support.js"

const experiments = readdirSync(claimsDir).filter((f) => f.endsWith(".json") && !f.endsWith(".scenario.json")).sort()

describe("scenarios/claims", () => {
  it("holds the twelve claims and the two templates", () => {
    expect(experiments.filter((f) => /^\d\d-/.test(f)).map((f) => f.slice(0, 2))).toEqual(
      Array.from({ length: 12 }, (_, k) => String(k + 1).padStart(2, "0"))
    )
    expect(experiments.filter((f) => f.startsWith("template-"))).toHaveLength(2)
  })

  for (const f of experiments) {
    it(`${f} expands and runs`, () => {
      const design = expandDesign(loadExperiment(join(claimsDir, f)))
      expect(design.experiment.spec.replicates).toBeGreaterThanOrEqual(5)
      expect(design.points.length).toBeGreaterThanOrEqual(2)
      const engine = new Engine(prepareWorld({ ...design.points[0].scenario, seed: design.runs[0].seed }, design.experiment.baseFile))
      for (let t = 0; t < 3; t++) engine.step()
      for (const v of engine.measure()) expect(Number.isFinite(v)).toBe(true)
    })
  }
})
