// Checkpoints: a run continued from any checkpoint — on one or two threads — ends exactly as the uninterrupted run,
// over every shipped scenario (evolution and plugins included); forks change what they say and nothing else;
// checkpoints of another version or another world are refused.
import { createHash } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { worldTables } from "../../src/model/evolution/index.js"
import type { World } from "../../src/model/world.js"
import { checkpointsIn, readCheckpoint } from "../../src/run/checkpoint.js"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { resumeRun } from "../../src/run/resume.js"
import { simulate, type SimulationResult } from "../../src/run/simulation.js"
import type { Scenario } from "../../src/scenario/schema.js"
import { inputErrorOfAsync as inputErrorOf } from "../support/errors.js"

const root = join(import.meta.dirname, "../..")
const temp = () => mkdtempSync(join(tmpdir(), "kiln-checkpoint-"))

/** Everything a run leaves: its metrics rows, every state array and the process tables. */
const fingerprint = (r: SimulationResult) => {
  const digest = (a: ArrayBufferView) => createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex").slice(0, 16)
  const w: World = r.world
  return {
    rows: r.metrics.rows,
    state: Object.fromEntries(Object.entries(w.state).map(([k, v]) => [k, digest(v)])),
    groupOf: digest(w.constants.groupOf),
    plugins: w.plugins.map((p) => Object.fromEntries(Object.entries(p.state).map(([k, v]) => [k, digest(v)]))),
    tables: JSON.stringify(worldTables(w).map((t) => t.rows))
  }
}

const scenarios = [
  "scenarios/default.json", "scenarios/cooling.json", "scenarios/claims/03-ritual-attachment.scenario.json",
  "scenarios/claims/08-sleep.scenario.json", "scenarios/claims/06-negative-attractor.scenario.json",
  "scenarios/evolution/annealing.scenario.json", "scenarios/evolution/rituals.json", "examples/plugins/prestige.json"
]

/** A short version: long enough to cross interventions, rounds and a few records. */
const short = (s: Scenario): Scenario => ({ ...s, ticks: 30, recordEvery: 4 })

describe("a run continued from a checkpoint equals the uninterrupted run", () => {
  it.each(scenarios)("%s, from checkpoints at ticks 7, 14, 21 and 28, on 1 and 2 threads", async (file) => {
    const { scenario } = await loadScenarioWithPlugins(join(root, file))
    const s = short(scenario)
    const reference = fingerprint(await simulate(s, { file: join(root, file) }))
    const dir = temp()
    const checkpointed = await simulate(s, { file: join(root, file), checkpoint: { every: 7, dir, keep: true } })
    expect(fingerprint(checkpointed)).toEqual(reference)
    const kept = checkpointsIn(dir)
    expect([...kept.keys()].sort((a, b) => a - b)).toEqual([7, 14, 21, 28])
    for (const [tick, path] of kept) {
      for (const workers of [1, 2]) {
        expect(fingerprint(await resumeRun(path, { workers })), `from tick ${tick} on ${workers} threads`).toEqual(reference)
      }
    }
  })
})

describe("forks", () => {
  const file = join(root, "scenarios/evolution/annealing.scenario.json")
  const setup = async () => {
    const { scenario } = await loadScenarioWithPlugins(file)
    const s = short(scenario)
    const dir = temp()
    const original = await simulate(s, { file, checkpoint: { every: 10, dir, keep: true } })
    return { s, dir, original, at10: checkpointsIn(dir).get(10)! }
  }

  it("with a new seed share the history to the fork's tick, then differ; the same seed twice gives the same branch", async () => {
    const { original, at10 } = await setup()
    const a = await resumeRun(at10, { seed: 77 })
    const b = await resumeRun(at10, { seed: 77, workers: 2 })
    expect(fingerprint(b)).toEqual(fingerprint(a))
    const prefix = (r: SimulationResult) => r.metrics.rows.filter((row) => row[0] <= 10)
    expect(prefix(a)).toEqual(prefix(original))
    expect(a.metrics.rows.at(-1)).not.toEqual(original.metrics.rows.at(-1))
    expect(a.world.scenario.seed).toBe(77)
  })

  it("with changed parameters take them from the fork's tick on", async () => {
    const { original, at10 } = await setup()
    const fork = await resumeRun(at10, { set: ["energy.gamma=0.5", "evolution.memes.mutation.rate=0"] })
    expect(fork.world.scenario.energy.gamma).toBe(0.5)
    const born = (r: SimulationResult) => r.metrics.rows.map((row) => row[r.metrics.columns.indexOf("variants_born")])
    // no new variants after tick 10 in the fork, while the original kept making them
    const at = original.metrics.rows.findIndex((row) => row[0] === 12)
    expect(new Set(born(fork).slice(at)).size).toBe(1)
    expect(born(original).at(-1)).toBeGreaterThan(born(original)[at])
  })

  it("cannot change the graph, the memes of an evolving population or the state's layout: a clear error naming the field", async () => {
    const { at10 } = await setup()
    for (const [set, path] of [["graph.n=500", "graph"], ["memes[0].intensity=1", "memes"], ["evolution.memes.slots=2", "evolution.memes"]]) {
      const e = await inputErrorOf(() => resumeRun(at10, { set: [set] }))
      expect(e.path, set).toBe(path)
      expect(e.message).toContain("a fork cannot change")
    }
    // individual dispositions change the length of the dispositions array
    const e = await inputErrorOf(() => resumeRun(at10, { set: ["prior.hNoise=0.5"] }))
    expect(e.message).toMatch(/state\.dispositions does not fit this world/)
  })
})

describe("refused checkpoints", () => {
  it("of another Kiln version, or not a checkpoint at all", async () => {
    const dir = temp()
    const { scenario } = await loadScenarioWithPlugins(join(root, "scenarios/cooling.json"))
    await simulate(short(scenario), { file: join(root, "scenarios/cooling.json"), checkpoint: { every: 10, dir } })
    const path = join(dir, "checkpoint.kiln")
    const bytes = readFileSync(path)
    const length = bytes.readUInt32LE(8)
    const header = JSON.parse(bytes.subarray(12, 12 + length).toString())
    const other = Buffer.from(JSON.stringify({ ...header, kiln: "0.0.1" }).padEnd(length, " "))
    writeFileSync(join(dir, "old.kiln"), Buffer.concat([bytes.subarray(0, 12), other, bytes.subarray(12 + length)]))
    expect((await inputErrorOf(() => resumeRun(join(dir, "old.kiln")))).message).toMatch(/written by Kiln 0\.0\.1/)
    writeFileSync(join(dir, "junk.kiln"), "hello")
    expect((await inputErrorOf(() => resumeRun(join(dir, "junk.kiln")))).message).toBe("not a Kiln checkpoint")
    expect(readCheckpoint(path).tick).toBe(20)
    expect(readdirSync(dir).sort()).toEqual(["checkpoint.kiln", "junk.kiln", "old.kiln"])
  })
})
