// Byte-identical results for any number of threads, over everything Kiln ships and over generated scenarios.
// The reference is the in-process engine on ordinary memory; 2 and 3 threads run on shared memory with every
// phase split across the threads (minSlice 1), so a difference anywhere in the kernels or in the memory layout
// shows up as different bytes.
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { expandDesign } from "../../src/experiment/design.js"
import { loadExperiment } from "../../src/experiment/load.js"
import { decodeScenario } from "../../src/scenario/load.js"
import type { Scenario } from "../../src/scenario/schema.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runWorld } from "../../src/run/simulation.js"
import { loadPlugins, loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { worldTables } from "../../src/model/evolution/index.js"

const root = join(import.meta.dirname, "../..", "scenarios")
/** An experiment file names its base scenario; a scenario file does not. */
const isExperiment = (file: string) => "scenario" in JSON.parse(readFileSync(file, "utf8"))
const jsonFiles = (dir: string) => readdirSync(join(root, dir)).filter((f) => f.endsWith(".json") && !f.includes("schema"))

/** A digest of the metrics rows and of every state and input array after the run. */
const fingerprint = async (s: Scenario, file: string, threads: number): Promise<Record<string, string>> => {
  const world = prepareWorld(s, file, undefined, threads > 1, await loadPlugins(s.plugins ?? [], file))
  const r = await Effect.runPromise(runWorld(world).pipe(Effect.provide(Scheduler.workerPool(threads, 1))))
  const digest = (a: ArrayBufferView) =>
    createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex").slice(0, 16)
  const out: Record<string, string> = { metrics: digest(new Float64Array(r.metrics.rows.flat())) }
  for (const [k, v] of Object.entries(world.state)) out[`state.${k}`] = digest(v)
  for (const [k, v] of Object.entries(world.inputs)) out[`inputs.${k}`] = digest(v)
  for (const p of world.plugins) for (const [k, v] of Object.entries(p.state)) out[`${p.plugin.name}.${k}`] = digest(v)
  out.perAgent = digest(r.perAgent)
  // lineages, variants and any other process table: ids and counts must not depend on the threads either
  for (const t of worldTables(world)) out[`table.${t.name}`] = createHash("sha256").update(JSON.stringify(t.rows)).digest("hex").slice(0, 16)
  return out
}

/**
 * A few ticks: long enough for most interventions to have started (so their kernel paths run), short enough for a
 * test; the generated scenarios below cover every intervention kind from tick 0.
 */
const shortened = (s: Scenario): Scenario => {
  const lastStart = Math.max(0, ...s.interventions.map((iv) => iv.start))
  const ticks = Math.min(s.ticks, lastStart + 2, 24)
  return { ...s, ticks, recordEvery: Math.max(1, Math.floor(ticks / 4)) }
}

const expectSameOnThreads = async (s: Scenario, file: string) => {
  const reference = await fingerprint(s, file, 1)
  for (const threads of [2, 3]) expect(await fingerprint(s, file, threads), `${s.name} on ${threads} threads`).toEqual(reference)
}

describe("identical results on 1, 2 and 3 threads with every phase split", () => {
  const scenarioFiles = [
    ...jsonFiles(".").map((f) => join(root, f)),
    ...jsonFiles("claims").filter((f) => f.endsWith(".scenario.json")).map((f) => join(root, "claims", f)),
    ...jsonFiles("evolution").filter((f) => !isExperiment(join(root, "evolution", f))).map((f) => join(root, "evolution", f)),
    ...(existsSync(join(root, "models")) ? jsonFiles("models").filter((f) => !isExperiment(join(root, "models", f))).map((f) => join(root, "models", f)) : [])
  ]
  it.each(scenarioFiles.map((f) => [f.slice(root.length + 1), f]))("scenario %s", async (_, file) => {
    const { scenario } = await loadScenarioWithPlugins(file)
    await expectSameOnThreads(shortened(scenario), file)
  })

  const experimentFiles = [
    ...jsonFiles("experiments").filter((f) => isExperiment(join(root, "experiments", f))).map((f) => join(root, "experiments", f)),
    ...jsonFiles("claims").filter((f) => !f.endsWith(".scenario.json")).map((f) => join(root, "claims", f)),
    ...jsonFiles("evolution").filter((f) => isExperiment(join(root, "evolution", f))).map((f) => join(root, "evolution", f))
  ]
  it.each(experimentFiles.map((f) => [f.slice(root.length + 1), f]))("every point of experiment %s (sampled designs: 32 spread points)", async (_, file) => {
    const design = expandDesign(loadExperiment(file))
    for (const point of spread(design.points, 32)) {
      const run = design.runs.find((r) => r.pointId === point.id)!
      await expectSameOnThreads(shortened({ ...point.scenario, seed: run.seed }), design.experiment.baseFile)
    }
  })
})

/**
 * A sampled design (Sobol, Morris: hundreds of points with the same features and other numbers) is covered by `max`
 * points spread over it, first and last included; smaller designs by all their points.
 */
const spread = <T>(points: ReadonlyArray<T>, max: number): ReadonlyArray<T> =>
  points.length <= max ? points : Array.from({ length: max }, (_, k) => points[Math.round((k * (points.length - 1)) / (max - 1))])

// ---------------------------------------------------------------- generated scenarios

const beliefNames = ["a", "b", "c", "d", "e"]
const contentArb = fc.dictionary(fc.constantFrom(...beliefNames), fc.constantFrom(-1, 1), { minKeys: 1, maxKeys: 3 })
const timing = { start: fc.integer({ min: 0, max: 3 }), duration: fc.integer({ min: 1, max: 4 }) }
const target = fc.oneof(fc.constant("all" as const), fc.record({ fraction: fc.double({ min: 0.1, max: 1, noNaN: true }) }))

/** Every intervention kind, with and without content. */
const interventionArb = fc.oneof(
  fc.record({ kind: fc.constant("ritual"), ...timing, target, every: fc.integer({ min: 1, max: 4 }), attendance: fc.double({ min: 0.3, max: 1, noNaN: true }), content: fc.option(contentArb, { nil: undefined }), bond: fc.constantFrom(0, 0.5) }),
  fc.record({ kind: fc.constant("meditation"), ...timing, target, variant: fc.constantFrom("concentration", "metta"), valence: fc.constantFrom(0, 0.5), content: fc.option(contentArb, { nil: undefined }) }),
  fc.record({ kind: fc.constant("psychedelic"), ...timing, target, volatility: fc.constantFrom(0, 0.6), complexityBias: fc.constantFrom(-0.5, 0, 0.5), content: fc.option(contentArb, { nil: undefined }) }),
  fc.record({ kind: fc.constant("sinks"), ...timing, target }),
  fc.record({ kind: fc.constant("sleep"), ...timing, target, cycle: fc.integer({ min: 4, max: 6 }), nrem: fc.integer({ min: 0, max: 2 }), rem: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("fieldAnnealing"), ...timing, target }),
  fc.record({ kind: fc.constant("seedMeme"), ...timing, target: fc.constant({ fraction: 0.2 }), meme: fc.constant("m0") }),
  fc.record({ kind: fc.constant("shock"), ...timing, target, flip: fc.constant(["e"]), surprise: fc.constantFrom(0, 0.5) })
)

const graphArb = fc.oneof(
  fc.record({ kind: fc.constant("connectedCaveman"), caves: fc.integer({ min: 2, max: 6 }), size: fc.integer({ min: 3, max: 8 }) }),
  fc.record({ kind: fc.constant("erdosRenyi"), n: fc.integer({ min: 10, max: 60 }), p: fc.double({ min: 0.02, max: 0.3, noNaN: true }) }),
  fc.record({ kind: fc.constant("barabasiAlbert"), n: fc.integer({ min: 10, max: 60 }), m: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("lattice"), rows: fc.integer({ min: 3, max: 7 }), cols: fc.integer({ min: 3, max: 7 }) })
)

/** A small scenario with every optional feature independently on or off. */
const scenarioArb = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    sweeps: fc.integer({ min: 1, max: 2 }),
    graph: graphArb,
    factual: fc.boolean(),
    unexpressed: fc.boolean(),
    groups: fc.boolean(),
    memes: fc.integer({ min: 0, max: 2 }),
    pattern: fc.boolean(),
    hNoise: fc.constantFrom(0, 0.3),
    priorSd: fc.constantFrom(0, 0.5),
    weightSd: fc.constantFrom(0, 1),
    valence: fc.constantFrom(0, 0.3),
    tau0: fc.constantFrom(0, 0.5),
    // meme evolution (when there are memes): few slots and a small table, so displacement and refusals happen
    evolution: fc.option(fc.record({
      slots: fc.integer({ min: 1, max: 3 }),
      capacity: fc.integer({ min: 2, max: 12 }),
      forget: fc.constantFrom(0.05, 0.5),
      mutation: fc.record({
        rate: fc.constantFrom(0.2, 1), flip: fc.constantFrom(0, 0.3), drop: fc.constantFrom(0, 0.3), add: fc.constantFrom(0, 0.3),
        sd: fc.record({ intensity: fc.constantFrom(0, 0.5), transmissibility: fc.constantFrom(0, 0.1), threshold: fc.constantFrom(0, 0.2), tag: fc.constant(1) })
      })
    }), { nil: undefined }),
    interventions: fc.array(interventionArb, { maxLength: 4 })
  })
  .map((f): Scenario => {
    const groups = f.groups && f.graph.kind === "connectedCaveman"
    const memes = Array.from({ length: f.memes }, (_, k) => ({ name: `m${k}`, content: { a: 1, b: k === 0 ? 1 : -1 }, intensity: k, transmissibility: 0.4 }))
    // Through JSON, as a scenario file would be: absent options drop out.
    return decodeScenario(JSON.parse(JSON.stringify({
      name: "generated",
      seed: f.seed,
      ticks: 6,
      recordEvery: 2,
      sweeps: f.sweeps,
      graph: groups ? { ...f.graph, groups: ["g0", "g1"] } : f.graph,
      weights: { mean: f.weightSd > 0 ? 0.2 : 1, sd: f.weightSd },
      beliefs: [
        { name: "a" }, { name: "b" }, { name: "c", expressed: !f.unexpressed }, { name: "d" },
        { name: "e", ...(f.factual ? { kind: "factual", truth: 1 } : {}) }
      ],
      groups: groups ? [{ name: "g0", content: { a: 1 } }, { name: "g1", content: { b: -1 } }] : [],
      prior: { sd: f.priorSd, noise: 0.2, hNoise: f.hNoise },
      energy: { tau0: f.tau0, valence: f.valence, initial: 1.5 },
      memes,
      evolution: f.evolution && f.memes > 0 ? { memes: f.evolution } : {},
      patterns: f.pattern ? [{ name: "p", beliefs: { a: -1, c: 1 }, target: { fraction: 0.2 } }] : [],
      // Memes are seeded only when declared; shocks only flip a factual belief.
      interventions: f.interventions.filter((iv) => (iv.kind !== "seedMeme" || f.memes > 0) && (iv.kind !== "shock" || f.factual))
    })), "<generated>")
  })

const examplePlugin = (name: string) => pathToFileURL(join(import.meta.dirname, "../../examples/plugins", `${name}.mjs`)).href

/** No plugin, either example plugin, or both: their rules run after the built-in phases, split like them. */
const pluginsArb = fc.constantFrom(
  [],
  [{ module: examplePlugin("conformist"), options: { D: 0.3, p0: 0.5 } }],
  [{ module: examplePlugin("prestige"), options: { sigma: 1, p0: 0.3, seedOn: "random" } }],
  [
    { module: examplePlugin("conformist"), options: { D: 0.6, p0: 0.4 } },
    { module: examplePlugin("prestige"), options: { sigma: 0.5, p0: 0.1, seedOn: "high" } }
  ]
)

describe("generated scenarios: identical on 1 and 3 threads", () => {
  it("every combination of features, with and without plugins", async () => {
    const withPlugins = fc.tuple(scenarioArb, pluginsArb).map(([s, plugins]): Scenario => (plugins.length === 0 ? s : { ...s, plugins }))
    await fc.assert(
      fc.asyncProperty(withPlugins, async (s) => {
        expect(await fingerprint(s, "<generated>", 3)).toEqual(await fingerprint(s, "<generated>", 1))
      }),
      { numRuns: 40, seed: 20261202 }
    )
    // 80 runs, each starting its threads, which import the plugin modules when there are any
  }, 240_000)
})
