// The plugin API end to end: loading and its errors, options, state, rules, steps, reporters, intervention kinds,
// agents.parquet columns, and byte-identical results on 1, 2 and 3 threads.
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { agentColumns } from "../../src/io/run-dir.js"
import { Engine, Phase, tickPhases } from "../../src/model/engine.js"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { prepareWorld, runWorld, simulate } from "../../src/run/simulation.js"
import { decodeScenario } from "../../src/scenario/load.js"
import { inputErrorOf } from "../support/errors.js"

const dir = mkdtempSync(join(tmpdir(), "kiln-plugins-"))
const probe = join(import.meta.dirname, "../fixtures/plugins/probe.mjs")

/** Writes a scenario (and any extra files) to a fresh folder and returns the scenario's path. */
const scenarioFile = (json: Record<string, unknown>, files: Record<string, string> = {}): string => {
  const at = mkdtempSync(join(dir, "s-"))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(at, name), text)
  const file = join(at, "scenario.json")
  writeFileSync(file, JSON.stringify({ name: "p", ticks: 3, graph: { kind: "lattice", rows: 4, cols: 5 }, beliefs: [{ name: "a" }], ...json }))
  return file
}
const withProbe = (options: unknown = { start: 5 }, more: Record<string, unknown> = {}) =>
  scenarioFile({ plugins: [{ module: probe, options }], ...more })

const loadError = async (file: string): Promise<InputError> => {
  const e = await loadScenarioWithPlugins(file).then(() => undefined, (e: unknown) => e)
  expect(e).toBeInstanceOf(InputError)
  return e as InputError
}

const load = async (file: string, shared = false) => {
  const { scenario, plugins } = await loadScenarioWithPlugins(file)
  return prepareWorld(scenario, file, undefined, shared, plugins)
}

describe("loading plugins", () => {
  it.each([
    ["a missing file", { "x.txt": "" }, "./nowhere.mjs", /file not found/],
    ["a syntax error", { "bad.mjs": "export default {" }, "./bad.mjs", /cannot import it/],
    ["no default export", { "none.mjs": "export const x = 1" }, "./none.mjs", /no default export/],
    ["a default export not made by definePlugin", { "plain.mjs": "export default { name: 'x' }" }, "./plain.mjs", /not made by definePlugin/],
    ["a TypeScript module with a syntax error", { "p.ts": "export default {" }, "./p.ts", /cannot import it/]
  ])("refuses %s, naming plugins[0].module", async (_, files, module, why) => {
    const file = scenarioFile({ plugins: [{ module }] }, files)
    const e = await loadError(file)
    expect(e.file).toBe(file)
    expect(e.path).toBe("plugins[0].module")
    expect(e.message).toMatch(why)
  })

  it("loads a TypeScript module (types stripped), from the sources and from the compiled CLI on two threads", async () => {
    const plugin = join(import.meta.dirname, "../../dist/model/plugin.js")
    const typed = `import { definePlugin } from ${JSON.stringify(plugin)}
interface Counted { readonly count: Int32Array }
const bump = (state: Counted, lo: number, hi: number): void => { for (let i = lo; i < hi; i++) state.count[i]++ }
export default definePlugin({
  name: "typed",
  state: { count: "int32" },
  rules: [{ name: "bump", over: "agents", run: ({ state }, lo: number, hi: number) => bump(state, lo, hi) }],
  reporters: [{ column: "typed_count", value: ({ state }, i: number) => state.count[i], reduce: "mean" }]
})
`
    // 1,100 agents: the CLI gives each of two threads at least 512, so the rule runs in a worker too.
    const file = scenarioFile({ ticks: 3, graph: { kind: "erdosRenyi", n: 1100, p: 0.005 }, plugins: [{ module: "./typed.ts" }] }, { "typed.ts": typed })
    const { plugins } = await loadScenarioWithPlugins(file)
    expect(plugins.map((p) => p.plugin.name)).toEqual(["typed"])
    const out = join(dirname(file), "run")
    const r = spawnSync(process.execPath, [join(import.meta.dirname, "../../bin/kiln.mjs"), "run", file, "--workers", "2", "--quiet", "--out", out], { encoding: "utf8" })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).workers).toBe(Math.min(2, availableParallelism()))
    const [header, ...rows] = readFileSync(join(out, "metrics.csv"), "utf8").trim().split("\n")
    const column = header.split(",").indexOf("typed_count")
    expect(rows.map((row) => Number(row.split(",")[column]))).toEqual([0, 1, 2, 3])
  })

  it("decodes a TypeScript module's options with the module's own effect Schema: defaults and checks", async () => {
    // the module imports Kiln's copy of effect: a loader that gave it a copy of its own broke defaults and checks
    const [effect, plugin] = ["../../node_modules/effect/dist/index.js", "../../dist/model/plugin.js"].map((f) => join(import.meta.dirname, f))
    const optioned = `import { Effect, Schema } from ${JSON.stringify(effect)}
import { definePlugin } from ${JSON.stringify(plugin)}
const Rate = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.5)))
export default definePlugin({ name: "optioned", options: Schema.Struct({ rate: Rate }) })
`
    const defaults = scenarioFile({ plugins: [{ module: "./optioned.ts" }] }, { "optioned.ts": optioned })
    expect((await loadScenarioWithPlugins(defaults)).plugins[0].options).toEqual({ rate: 0.5 })
    const outOfRange = scenarioFile({ plugins: [{ module: "./optioned.ts", options: { rate: 2 } }] }, { "optioned.ts": optioned })
    expect((await loadError(outOfRange)).path).toBe("plugins[0].options.rate")
  })

  it("resolves modules relative to the scenario file", async () => {
    const file = scenarioFile({ plugins: [{ module: "./same.mjs" }] }, {
      "same.mjs": `import { definePlugin } from ${JSON.stringify(join(import.meta.dirname, "../../dist/model/plugin.js"))}\nexport default definePlugin({ name: "same" })`
    })
    const { plugins } = await loadScenarioWithPlugins(file)
    expect(plugins.map((p) => p.plugin.name)).toEqual(["same"])
  })

  it("validates options with the plugin's schema, naming plugins[k].options.<path>", async () => {
    const e = await loadError(withProbe({ start: -1 }))
    expect(e.path).toBe("plugins[0].options.start")
    const excess = await loadError(withProbe({ start: 1, colour: "red" }))
    expect(excess.path).toBe("plugins[0].options.colour")
    const missing = await loadError(withProbe({}))
    expect(missing.path).toBe("plugins[0].options.start")
  })

  it("refuses a scenario using a plugin's intervention kind without the plugin", () => {
    expect(() => decodeScenario({ name: "p", graph: { kind: "complete", n: 3 }, beliefs: [{ name: "a" }], interventions: [{ kind: "nudge", start: 0, amount: 1 }] }))
      .toThrow(/kind/)
  })
})

describe("what a plugin declares", () => {
  it("state: zero-filled arrays, filled by init from the options, written to agents.parquet as <plugin>_<name>", async () => {
    const w = await load(withProbe({ start: 7 }))
    expect([...w.plugins[0].state.count]).toEqual(new Array(20).fill(7))
    const columns = agentColumns(w, new Float64Array(20 * 64)).slice(-3)
    expect(columns.map((c) => c.name)).toEqual(["probe_count", "probe_seen", "probe_stepped"])
    expect(columns.map((c) => c.type)).toEqual(["INTEGER", "DOUBLE", "INTEGER"])
    expect(columns.map((c) => c.value(0))).toEqual([7, 0, 0])
  })

  it("rules: over classes once per colour class in the order, over agents once over 0..n, after settle", async () => {
    const w = await load(withProbe())
    const cs = w.topology.classStart
    const rules = tickPhases(w).filter((p) => p.kind >= Phase.firstRule)
    const classes = Array.from({ length: cs.length - 1 }, (_, k) => ({ kind: Phase.firstRule, lo: cs[k], hi: cs[k + 1] }))
    expect(rules).toEqual([...classes, { kind: Phase.firstRule + 1, lo: 0, hi: 20 }])
    expect(tickPhases(w).findIndex((p) => p.kind >= Phase.firstRule)).toBe(tickPhases(w).findIndex((p) => p.kind === Phase.settle) + 1)
  })

  it("rules run every tick, the model step after each, reporters become metric columns", async () => {
    const w = await load(withProbe({ start: 2 }))
    const engine = new Engine(w)
    expect(engine.columns.slice(-2)).toEqual(["probe_count", "probe_seen"])
    engine.step()
    engine.step()
    expect([...w.plugins[0].state.count]).toEqual(new Array(20).fill(4))
    expect([...w.plugins[0].state.stepped]).toEqual(new Array(20).fill(2))
    const row = engine.measure()
    expect(row.at(-2)).toBe(80)
    const seen = w.plugins[0].state.seen
    expect(row.at(-1)).toBeCloseTo(Array.from(seen as ArrayLike<number>).reduce((a, b) => a + b, 0) / 20, 12)
  })

  it("intervention kinds: usable on the timeline like the built-in ones", async () => {
    const file = withProbe({ start: 0 }, { interventions: [{ kind: "nudge", start: 1, duration: 1, amount: 2.5 }] })
    const w = await load(file)
    const engine = new Engine(w)
    engine.step()
    expect(w.inputs.heat[0]).toBe(0)
    engine.step()
    expect(w.inputs.heat[0]).toBe(2.5)
    const bad = await loadError(withProbe({ start: 0 }, { interventions: [{ kind: "nudge", start: 0, amount: "x" }] }))
    expect(bad.path).toBe("interventions[0].amount")
  })

  it("the API runs scenarios naming plugins, and plugins passed as modules", async () => {
    const file = scenarioFile({})
    const { scenario } = await loadScenarioWithPlugins(file)
    const r = await simulate(scenario, { file, plugins: [{ module: probe, options: { start: 1 } }] })
    expect(r.metrics.columns.at(-2)).toBe("probe_count")
    expect(r.metrics.rows.at(-1)!.at(-2)).toBe(20 * 4)
  })
})

describe("identical results on 1, 2 and 3 threads with every phase split", () => {
  const fingerprint = async (file: string, threads: number) => {
    const w = await load(file, threads > 1)
    const r = await Effect.runPromise(runWorld(w).pipe(Effect.provide(Scheduler.workerPool(threads, 1))))
    const hash = createHash("sha256").update(new Float64Array(r.metrics.rows.flat()))
    for (const a of [...Object.values(w.plugins[0].state), w.state.rng, w.state.spins]) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    return hash.digest("hex")
  }
  it("with rules over classes and agents drawing from agents' streams", async () => {
    const file = withProbe({ start: 1 }, { ticks: 6, graph: { kind: "wattsStrogatz", n: 60, k: 4, beta: 0.2 }, interventions: [{ kind: "nudge", start: 1, duration: 2, amount: 1 }] })
    const one = await fingerprint(file, 1)
    expect(await fingerprint(file, 2)).toBe(one)
    expect(await fingerprint(file, 3)).toBe(one)
  })
})

describe("a plugin whose init throws", () => {
  it("stops with an InputError naming plugins[k] and the plugin, not a stack trace", async () => {
    const file = join(import.meta.dirname, "../../scenarios/models/cascade.json")
    const { scenario, plugins } = await loadScenarioWithPlugins(file, ['plugins[0].options.seedIds=["nope"]'])
    const e = inputErrorOf(() => prepareWorld(scenario, file, undefined, false, plugins))
    expect(e.path).toBe("plugins[0]")
    expect(e.message).toBe('plugin "cascade" could not start: cascade: options.seedIds[0]: no agent with id "nope" in the graph')
  })
})
