// Experiment files and design expansion: grids, ranges, samples, conditions, seeds, identity and readable errors.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { commonSeed, expandDesign, runSeed, shardRuns, parseShard } from "../../src/experiment/design.js"
import { decodeExperiment, experimentJsonSchema, loadExperiment, withRunCounts } from "../../src/experiment/load.js"
import { defaultDb } from "../../src/experiment/sweep.js"
import { baseScenario, smallExperiment, tempDir, writeJson } from "./support.js"
import { inputErrorOf } from "../support/errors.js"

const design = (json: Record<string, unknown>) => expandDesign(decodeExperiment(json, "exp.json"))


describe("design expansion", () => {
  it("is the product of the factors, the first varying slowest, with typed columns", () => {
    const d = design(smallExperiment())
    expect(d.columns.map((c) => [c.name, c.type, c.kind])).toEqual([
      ["schedule", "VARCHAR", "conditions"],
      ["social_conformity", "DOUBLE", "values"]
    ])
    expect(d.points.map((p) => p.values)).toEqual([
      { schedule: "slow", social_conformity: 0.2 },
      { schedule: "slow", social_conformity: 1 },
      { schedule: "quench", social_conformity: 0.2 },
      { schedule: "quench", social_conformity: 1 }
    ])
    expect(d.points[2].scenario.energy.gamma).toBe(0.5)
    expect(d.points[3].scenario.social.conformity).toBe(1)
    expect(d.runs).toHaveLength(8)
    expect(d.runs.map((r) => r.replicate)).toEqual([1, 2, 1, 2, 1, 2, 1, 2])
    expect(new Set(d.runs.map((r) => r.runId)).size).toBe(8)
    // common random numbers: replicate k has one seed at every point
    expect(new Set(d.runs.map((r) => r.seed)).size).toBe(2)
    expect(d.metricColumns[0]).toBe("tick")
    expect(d.metricColumns).toContain("belief_c_mean")
  })

  it("expands numeric ranges inclusively without floating-point drift; integer ranges are BIGINT", () => {
    const d = design(smallExperiment({
      factors: [
        { path: "energy.gamma", range: { from: 0.1, to: 0.5, step: 0.1 } },
        { path: "sweeps", range: { from: 1, to: 3, step: 1 } }
      ]
    }))
    expect([...new Set(d.points.map((p) => p.values.energy_gamma))]).toEqual([0.1, 0.2, 0.3, 0.4, 0.5])
    expect(d.columns.map((c) => c.type)).toEqual(["DOUBLE", "BIGINT"])
    expect(d.points).toHaveLength(15)
    expect(d.points[14].scenario.sweeps).toBe(3)
  })

  it("draws a Latin hypercube: one value in each of count strata per range, integers within bounds", () => {
    const count = 8
    const d = design(smallExperiment({
      factors: [{
        sample: {
          kind: "lhs",
          count,
          ranges: { "energy.gamma": { from: 0.02, to: 0.5 }, "graph.n": { from: 10, to: 40, int: true, name: "agents" } }
        }
      }]
    }))
    expect(d.points).toHaveLength(count)
    const strata = d.points.map((p) => Math.floor(((p.values.energy_gamma as number) - 0.02) / (0.48 / count))).sort()
    expect(strata).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    for (const p of d.points) {
      const n = p.values.agents as number
      expect(Number.isInteger(n) && n >= 10 && n <= 40).toBe(true)
      expect(p.scenario.graph).toMatchObject({ kind: "erdosRenyi", n })
    }
    expect(d.columns.map((c) => [c.name, c.type])).toEqual([["energy_gamma", "DOUBLE"], ["agents", "BIGINT"]])
  })

  it("random samples keep their first points when count grows", () => {
    const sample = (count: number) => design(smallExperiment({
      factors: [{ sample: { kind: "random", count, ranges: { "energy.gamma": { from: 0, to: 1 } } } }]
    }))
    const five = sample(5), eight = sample(8)
    expect(eight.points.slice(0, 5).map((p) => [p.id, p.values])).toEqual(five.points.map((p) => [p.id, p.values]))
    expect(eight.runs.slice(0, 10)).toEqual(five.runs)
  })

  it("applies every override of a condition arm; an empty arm is the base scenario", () => {
    const d = design(smallExperiment({
      factors: [{
        name: "arm",
        conditions: {
          control: {},
          hot: { "energy.gamma": 0.01, "interventions[0].dose": 6, "energy.rest": 0.5 }
        }
      }]
    }))
    const [control, hot] = d.points
    expect(control.scenario.energy.gamma).toBe(0.1)
    expect(hot.scenario.energy).toMatchObject({ gamma: 0.01, rest: 0.5 })
    expect(hot.scenario.interventions[0]).toMatchObject({ kind: "psychedelic", dose: 6 })
    expect(d.columns[0].paths).toEqual(["energy.gamma", "interventions[0].dose", "energy.rest"])
  })

  it("marks explicit lists of any JSON: strings, integers, objects (as JSON text)", () => {
    const d = design(smallExperiment({
      factors: [
        { path: "graph", name: "topology", values: [{ kind: "erdosRenyi", n: 20, p: 0.3 }, { kind: "complete", n: 12 }] },
        { path: "sweeps", values: [1, 2] }
      ]
    }))
    expect(d.columns.map((c) => [c.name, c.type, c.json])).toEqual([["topology", "VARCHAR", true], ["sweeps", "BIGINT", false]])
    expect(d.points[2].scenario.graph).toEqual({ kind: "complete", n: 12 })
  })

  it("applies `set` to every point, and the experiment's ticks and recordEvery", () => {
    const d = design(smallExperiment({ set: { "graph.n": 12 }, ticks: 30, recordEvery: 3 }))
    for (const p of d.points) {
      expect(p.scenario.graph).toMatchObject({ n: 12 })
      expect([p.scenario.ticks, p.scenario.recordEvery]).toEqual([30, 3])
    }
  })
})

describe("seeds", () => {
  it("adding replicates or points, or reordering values, never changes existing runs' seeds", () => {
    const before = design(smallExperiment())
    const more = design(smallExperiment({
      replicates: 4,
      factors: [
        { name: "schedule", conditions: { quench: { "energy.gamma": 0.5 }, medium: { "energy.gamma": 0.2 }, slow: { "energy.gamma": 0.05 } } },
        { path: "social.conformity", values: [1, 0.6, 0.2] }
      ]
    }))
    const seeds = new Map(more.runs.map((r) => [r.runId, r.seed]))
    for (const r of before.runs) expect(seeds.get(r.runId)).toBe(r.seed)
    expect(more.runs).toHaveLength(36)
  })

  it("independent: derive from the experiment seed and the point's content", () => {
    const a = design(smallExperiment({ seeds: "independent" }))
    const b = design(smallExperiment({ seeds: "independent", seed: 8 }))
    expect(a.points.map((p) => p.id)).toEqual(b.points.map((p) => p.id))
    expect(a.runs.map((r) => r.seed)).not.toEqual(b.runs.map((r) => r.seed))
    expect(a.runs[0].seed).toBe(runSeed(7, a.points[0].hash, 1))
    expect(new Set(a.runs.map((r) => r.seed)).size).toBe(8)
    for (const r of a.runs) expect(Number.isInteger(r.seed) && r.seed >= 0 && r.seed < 2 ** 31).toBe(true)
  })

  it("common (the default): replicate k has the same seed at every point, from the experiment seed and k only", () => {
    const a = design(smallExperiment())
    expect(a.experiment.spec.seeds).toBe("common")
    for (const r of a.runs) expect(r.seed).toBe(commonSeed(7, r.replicate))
    expect(design(smallExperiment({ seed: 8 })).runs[0].seed).toBe(commonSeed(8, 1))
    expect(commonSeed(7, 1)).not.toBe(commonSeed(7, 2))
  })

  it("common: adding an arm or a factor keeps every existing run, id and seed, and the identity", () => {
    const before = design(smallExperiment())
    const grown = design(smallExperiment({
      factors: [
        { name: "schedule", conditions: { slow: { "energy.gamma": 0.05 }, quench: { "energy.gamma": 0.5 }, medium: { "energy.gamma": 0.2 } } },
        { path: "social.conformity", values: [0.2, 1] },
        // the base scenario has sweeps 1: that level leaves the old points' scenarios as they were
        { path: "sweeps", values: [1, 2] }
      ]
    }))
    expect(grown.identity).toBe(before.identity)
    expect(grown.runs).toHaveLength(24)
    // a factor whose new level adds metric columns (a meme) keeps the identity too: the store adds the columns
    const meme = { name: "m", content: { a: 1 } }
    const withMemes = design(smallExperiment({ factors: [...(smallExperiment().factors as unknown[]), { path: "memes", name: "memes", values: [[], [meme]] }] }))
    expect(withMemes.identity).toBe(before.identity)
    expect(withMemes.metricColumns).toContain("share_m")
    expect(withMemes.runs.filter((r) => before.runs.some((b) => b.runId === r.runId))).toHaveLength(before.runs.length)
    const seeds = new Map(grown.runs.map((r) => [r.runId, r.seed]))
    for (const r of before.runs) expect(seeds.get(r.runId)).toBe(r.seed)
    // a label is not content: renaming an arm keeps its point
    const renamed = design(smallExperiment({ factors: [{ name: "schedule", conditions: { gentle: { "energy.gamma": 0.05 }, quench: { "energy.gamma": 0.5 } } }, { path: "social.conformity", values: [0.2, 1] }] }))
    expect(renamed.points.map((p) => p.id)).toEqual(before.points.map((p) => p.id))
  })

  it("the experiment seed is the file's, else the base scenario's; --seed and --replicates replace them, checked", () => {
    const { seed: _seed, ...noSeed } = smallExperiment()
    expect(design({ ...noSeed, scenario: baseScenario({ seed: 999 }) }).experiment.spec.seed).toBe(999)
    expect(design({ ...noSeed, scenario: baseScenario() }).experiment.spec.seed).toBe(1)
    expect(design({ ...smallExperiment(), scenario: baseScenario({ seed: 999 }) }).experiment.spec.seed).toBe(7)
    const e = decodeExperiment(smallExperiment(), "exp.json")
    const d = expandDesign(withRunCounts(e, { seed: 3, replicates: 5 }))
    expect([d.experiment.spec.seed, d.experiment.seedOverride, d.runs.length]).toEqual([3, 3, 20])
    expect(d.runs[0].seed).toBe(commonSeed(3, 1))
    expect(withRunCounts(e, { seed: 7 }).seedOverride).toBeUndefined()
    // another seed never meets the file's DB
    expect([defaultDb(e), defaultDb(d.experiment)]).toEqual([join("experiments", "small-sweep.duckdb"), join("experiments", "small-sweep.seed-3.duckdb")])
    const bad = inputErrorOf(() => withRunCounts(e, { replicates: 0 }))
    expect([bad.file, bad.path, bad.message]).toEqual(["exp.json", "--replicates", "expected an integer >= 1, got 0"])
    expect(inputErrorOf(() => withRunCounts(e, { seed: -1 }, false)).path).toBe("seed")
  })

  it("the identity ignores the design's size but not what a run computes", () => {
    const id = design(smallExperiment()).identity
    expect(design(smallExperiment({ replicates: 5 })).identity).toBe(id)
    expect(design(smallExperiment({ factors: [{ name: "schedule", conditions: { slow: { "energy.gamma": 0.05 } } }, { path: "social.conformity", values: [0.3] }] })).identity).toBe(id)
    expect(design(smallExperiment({ ticks: 41 })).identity).not.toBe(id)
    expect(design(smallExperiment({ scenario: baseScenario({ sweeps: 2 }) })).identity).not.toBe(id)
    expect(design(smallExperiment({ seed: 8 })).identity).not.toBe(id)
  })
})

describe("shards", () => {
  it("are balanced, disjoint and cover the design", () => {
    const d = design(smallExperiment({ replicates: 5 }))
    const shards = [1, 2, 3].map((index) => shardRuns(d.runs, { index, count: 3 }))
    expect(shards.map((s) => s.length)).toEqual([7, 7, 6])
    expect(shards.flat().map((r) => r.runId).sort()).toEqual(d.runs.map((r) => r.runId).sort())
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 })
    for (const bad of ["0/3", "4/3", "2", "a/b"]) expect(parseShard(bad)).toBeUndefined()
  })
})

describe("bad experiment files", () => {
  it("name the file, the path and what was expected, every problem at once", () => {
    const e = inputErrorOf(() => design(smallExperiment({
      replicates: 0,
      factors: [
        { path: "energy.gamma", valuse: [1] },
        { path: "energy..x", values: [1] },
        { path: "social.conformity", range: { from: 0, to: 1, step: 0 } },
        { path: "energy.rest", values: [1], extra: true }
      ],
      stop: [{ kind: "plateau", metric: "energy_mean" }]
    })))
    expect(e.file).toBe("exp.json")
    expect(e.message).toContain("6 problems")
    expect(e.message).toContain("at replicates:")
    expect(e.message).toContain("at factors[0]: expected one of the keys values, range, sample or conditions")
    expect(e.message).toContain("at factors[1].path: expected a scenario field path")
    expect(e.message).toContain("at factors[2].range.step:")
    expect(e.message).toContain("at factors[3].extra:")
    expect(e.message).toContain(`at stop[0].kind: expected "crossing" or "steady"`)
  })

  it("a renamed scenario key fails at the factor that set it", () => {
    const e = inputErrorOf(() => design(smallExperiment({ factors: [{ path: "energy.gama", values: [0.1] }] })))
    expect(e.path).toBe("factors[0]")
    expect(e.message).toContain("energy.gama")
  })

  it("values outside a scenario field's range fail with the point named", () => {
    const e = inputErrorOf(() => design(smallExperiment({ factors: [{ path: "energy.gamma", values: [0.1, 2] }] })))
    expect(e.path).toBe("factors[0]")
    expect(e.message).toContain(`point {"energy_gamma":2}`)
    expect(e.message).toContain("at energy.gamma")
  })

  it("refuses overlapping paths, reserved or repeated columns, seeds, unknown metrics and identical points", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ factors: [{ path: "energy", values: [{}] }, { path: "energy.gamma", values: [0.1] }] }, "which factors[0] also sets"],
      [{ factors: [{ path: "energy.gamma", name: "seed", values: [0.1] }] }, `column "seed" is a column of the runs table`],
      [{ factors: [{ path: "energy.gamma", values: [0.1] }, { path: "energy.rest", name: "energy_gamma", values: [0.1] }] }, "also made by factors[0]"],
      [{ factors: [{ path: "seed", values: [1, 2] }] }, "seeds come from the experiment seed"],
      [{ factors: [{ path: "energy.gamma", values: [0.1, 0.1] }] }, "duplicate of values[0]"],
      [{ factors: [{ sample: { kind: "random", count: 5, ranges: { sweeps: { from: 1, to: 2, int: true } } } }] }, "runs the same scenario as point"],
      [{ seeds: "independent", factors: [{ sample: { kind: "random", count: 5, ranges: { sweeps: { from: 1, to: 2, int: true } } } }] }, "repeats point"],
      [{ factors: [{ name: "arm", conditions: { a: {}, b: {} } }] }, "runs the same scenario as point 0"],
      [{ snapshots: { ticks: [0, 7, "final"] } }, `snapshots.ticks[1]: tick 7 is not recorded in point {"schedule":"slow","social_conformity":0.2} (ticks 40, recordEvery 5); expected 0, a multiple of 5 up to 40, 40, or "final"`],
      [{ snapshots: { ticks: [45] } }, "tick 45 is not recorded"],
      [{ stop: [{ kind: "steady", metric: "energy", ticks: 5 }] }, `unknown metric "energy"`],
      [{ metrics: ["energy_mean", "nope"] }, `unknown metric "nope"`],
      [{ set: { "graph.n": 0 } }, "set.graph.n"],
      [{ factors: [{ path: "interventions[3].dose", values: [1] }] }, "interventions has 1 item ([0]), so there is no [3]"]
    ]
    for (const [extra, text] of cases) {
      const e = inputErrorOf(() => {
        design(smallExperiment(extra))
        throw new Error(`no error for ${JSON.stringify(extra)}`)
      })
      expect(`${e.path}: ${e.message}`).toContain(text)
    }
  })

  it("a base scenario by path resolves against the experiment file; a missing one is named", () => {
    const dir = tempDir()
    writeJson(dir, "base.json", baseScenario())
    const file = writeJson(dir, "exp.json", { ...smallExperiment(), scenario: "base.json" })
    expect(loadExperiment(file).baseScenario.name).toBe("small")
    const missing = writeJson(dir, "missing.json", { ...smallExperiment(), scenario: "nope.json" })
    const gone = inputErrorOf(() => loadExperiment(missing))
    expect([gone.file, gone.path]).toEqual([missing, "scenario"])
    expect(gone.message).toContain(`no such file: ${join(dir, "nope.json")} (a relative path resolves against the experiment file's folder`)
    const broken = writeJson(dir, "broken.json", { ...smallExperiment(), scenario: { ...baseScenario(), energy: { gama: 1 } } })
    const e = inputErrorOf(() => loadExperiment(broken))
    expect([e.file, e.path]).toEqual([file.replace("exp.json", "broken.json"), "energy.gama"])
  })

  it("a copy elsewhere runs with an absolute scenario path, and $schema (for editors only) may point nowhere", () => {
    const claims = join(import.meta.dirname, "../../scenarios/claims")
    const original = JSON.parse(readFileSync(join(claims, "11-group-divergence.json"), "utf8"))
    const copy = writeJson(tempDir(), "copy.json", { ...original, scenario: join(claims, original.scenario) })
    expect(original.$schema).toBe("../experiments/experiment.schema.json")
    const runsOf = (file: string) => expandDesign(loadExperiment(file)).runs.map((r) => [r.runId, r.seed])
    const shipped = runsOf(join(claims, "11-group-divergence.json"))
    expect(runsOf(copy)).toEqual(shipped)
    // both files copied together: the relative scenario path still holds, both $schema paths now point nowhere
    const dir = tempDir()
    writeJson(dir, original.scenario, JSON.parse(readFileSync(join(claims, original.scenario), "utf8")))
    expect(runsOf(writeJson(dir, "together.json", original))).toEqual(shipped)
  })

  it("the example experiment loads, and the JSON Schema closes its objects", () => {
    const d = expandDesign(loadExperiment(join(import.meta.dirname, "../../scenarios/experiments/cooling.json")))
    expect(d.runs.length).toBe(12)
    const schema = experimentJsonSchema() as { additionalProperties: boolean; properties: Record<string, unknown> }
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["scenario", "factors", "replicates", "stop", "set"]))
    // the editor schema next to the example is what `kiln schema --experiment` prints
    const shipped = readFileSync(join(import.meta.dirname, "../../scenarios/experiments/experiment.schema.json"), "utf8")
    expect(shipped).toBe(JSON.stringify(schema, null, 2) + "\n")
  })
})

describe("paths and sizes of experiment points", () => {
  it("refuses prototype keys and empty segments in factor and set paths", () => {
    for (const path of ["__proto__.x", "energy..gamma", "memes[0].constructor"]) {
      const e = inputErrorOf(() => design(smallExperiment({ factors: [{ path, values: [1] }] })))
      expect(e.message).toContain("expected a scenario field path")
    }
    expect(inputErrorOf(() => design(smallExperiment({ set: { "a.prototype": 1 } }))).path).toMatch(/^set/)
    expect(Object.keys(Object.prototype)).toEqual([])
  })

  it("refuses a point too large for this machine with the design, before any run", () => {
    const e = inputErrorOf(() => design(smallExperiment({ factors: [{ path: "graph", values: [{ kind: "complete", n: 100000 }] }] })))
    expect(e.message).toContain("100,000 agents and 4,999,950,000 edges need")
  })
})
