// Rituals that evolve: imitation of the most successful group's ritual, mutation, migration, thread-count identity,
// the cross-reference checks and the shipped example.
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Engine } from "../../../src/model/engine.js"
import { attachmentOf } from "../../../src/model/kernel.js"
import { ritualEvolutionOf, type RitualEvolution, type RitualLineage } from "../../../src/model/evolution/rituals.js"
import { Slot, SLOTS } from "../../../src/model/kernel.js"
import type { World } from "../../../src/model/world.js"
import { Scheduler } from "../../../src/run/scheduler.js"
import { prepareWorld, runWorld, simulate } from "../../../src/run/simulation.js"
import { decodeScenario, loadScenario } from "../../../src/scenario/load.js"
import { inputErrorOf } from "../../support/errors.js"

const GROUPS = ["a", "b", "c", "d"]

/**
 * Four villages of 20 sharing one group content; group a's ritual is intense and asserts that content, the others'
 * are faint and assert an unrelated belief, so a's members grow attached and the others do not.
 */
const scenarioJson = (seed: number, rituals: Record<string, unknown>, ticks = 200): Record<string, unknown> => ({
  name: "rituals-test", seed, ticks, recordEvery: 50,
  graph: { kind: "connectedCaveman", caves: 4, size: 20, rewire: 0.05, groups: GROUPS },
  beliefs: [{ name: "c1" }, { name: "c2" }, { name: "c3" }, { name: "v" }],
  groups: GROUPS.map((name) => ({ name, content: { c1: 1, c2: 1, c3: 1 } })),
  prior: { sd: 0, noise: 0.2 },
  energy: { rest: 0.2, gamma: 0.03, surprise: 0.01 },
  plasticity: { theta: 0.8, saturation: 3, eta: 0.05 },
  social: { conformity: 0.1 },
  interventions: GROUPS.map((g, k) => ({
    kind: "ritual", target: { group: g }, every: 2 + k, strength: 2,
    alpha: k === 0 ? 0.3 : 0.02, content: k === 0 ? { [`member:${g}`]: 1, c1: 1, c2: 1, c3: 1 } : { v: 1 }
  })),
  evolution: { rituals }
})

const exact = { period: 0, alpha: 0, duration: 0 }

const evolutionOf = (w: World): RitualEvolution => ritualEvolutionOf(w)!

const descendsFrom = (lineages: ReadonlyArray<RitualLineage>, id: number, ancestor: number): boolean => {
  for (let l: number | null = id; l !== null; l = lineages[l].parent) if (l === ancestor) return true
  return false
}

const tableRows = (w: World, name: string) => evolutionOf(w).tables().find((t) => t.name === name)!.rows

describe("imitation", () => {
  it("every group ends with a descendant of the ritual that gives the most attachment", async () => {
    for (const seed of [1, 2, 3]) {
      const r = await simulate(decodeScenario(scenarioJson(seed, { every: 20, rate: 0.3, mutation: exact })))
      const evo = evolutionOf(r.world)
      for (const id of evo.carried) expect(descendsFrom(evo.lineages, id, 0), `seed ${seed}, lineage ${id}`).toBe(true)
    }
  })

  it("with rate 0 every group keeps its ritual, and the run is the run without evolution", async () => {
    const base = scenarioJson(1, { every: 20, rate: 0, mutation: exact })
    // Schedules beyond the simplest: a late start, occurrences of two ticks, an end.
    const interventions = (base.interventions as object[]).map((iv, k) => (k === 1 ? { ...iv, start: 3, duration: 2, until: 150 } : iv))
    const json = { ...base, interventions }
    const evolving = await simulate(decodeScenario(json))
    const fixed = await simulate(decodeScenario({ ...json, evolution: {} }))
    expect(evolving.metrics.rows).toEqual(fixed.metrics.rows)
    expect(Array.from(evolutionOf(evolving.world).carried)).toEqual([0, 1, 2, 3])
    const lineages = tableRows(evolving.world, "ritual_lineages")
    expect(lineages.map((row) => [row[0], row[1], row[8]])).toEqual([[0, null, null], [1, null, null], [2, null, null], [3, null, null]])
  })

  it("success by growth imitates nothing without migration", async () => {
    const r = await simulate(decodeScenario(scenarioJson(1, { every: 20, rate: 1, success: "growth", mutation: exact })))
    expect(evolutionOf(r.world).lineages.length).toBe(4)
  })

  it("success by growth: groups copy the ritual of the group that grew most since the last round", () => {
    const json = scenarioJson(1, { every: 10, rate: 1, success: "growth", mutation: exact, migration: { threshold: -2, rate: 0 } })
    const w = prepareWorld(decodeScenario(json))
    const evo = evolutionOf(w)
    evo.afterTick(10)
    expect(evo.lineages.length).toBe(4)
    // Five of a's members join c between rounds: c grew, a shrank, b and d stayed.
    let moved = 0
    for (let i = 0; moved < 5; i++) {
      if (w.constants.groupOf[i] !== 0) continue
      w.constants.groupOf[i] = 2
      moved++
    }
    evo.afterTick(20)
    expect(Array.from(evo.carried)).toEqual([4, 5, 2, 6])
    expect(evo.lineages.slice(4).map((l) => l.parent)).toEqual([2, 2, 2])
  })

  it("with mutation sds 0 a copy has its model's traits and content (identity made its own)", async () => {
    const r = await simulate(decodeScenario(scenarioJson(2, { every: 20, rate: 0.5, mutation: exact })))
    const { lineages } = evolutionOf(r.world)
    const copies = lineages.filter((l) => l.parent !== null)
    expect(copies.length).toBeGreaterThan(3)
    const identity = (g: number) => r.world.beliefIndex.get(`member:${GROUPS[g]}`)!
    for (const l of copies) {
      const model = lineages[l.parent!]
      expect([l.period, l.alpha, l.duration]).toEqual([model.period, model.alpha, model.duration])
      const relabelled = Int8Array.from(model.content)
      relabelled[identity(model.group)] = model.content[identity(l.group)]
      relabelled[identity(l.group)] = model.content[identity(model.group)]
      expect(Array.from(l.content)).toEqual(Array.from(relabelled))
    }
    expect(copies.every((l) => l.content[identity(l.group)] === 1)).toBe(true)
  })

  it("with mutation sds above 0 copies vary within the documented bounds", async () => {
    const mutation = { period: 2, alpha: 0.2, duration: 1, flip: 0.2, drop: 0.2, add: 0.2 }
    const r = await simulate(decodeScenario(scenarioJson(3, { every: 20, rate: 0.5, mutation })))
    const copies = evolutionOf(r.world).lineages.filter((l) => l.parent !== null)
    expect(new Set(copies.map((l) => l.alpha)).size).toBeGreaterThan(1)
    for (const l of copies) {
      expect(Number.isInteger(l.period) && l.period >= 1).toBe(true)
      expect(Number.isInteger(l.duration) && l.duration >= 1 && l.duration <= l.period).toBe(true)
      expect(l.alpha).toBeGreaterThanOrEqual(0)
    }
  })
})

describe("migration", () => {
  const migrating = (seed: number) => {
    const json = scenarioJson(seed, { every: 1000, rate: 0, mutation: exact, migration: { threshold: 0.2, rate: 0.5 } })
    // Every ritual every tick, so the tick after a round shows which ritual each agent attends.
    const s = decodeScenario({ ...json, interventions: (json.interventions as object[]).map((iv) => ({ ...iv, every: 1 })) })
    const engine = new Engine(prepareWorld(s))
    for (let t = 0; t < 40; t++) engine.step()
    return engine
  }

  it("moves only members below the threshold, with identity beliefs to match, and rituals follow them", () => {
    let moved = 0
    for (const seed of [1, 2]) {
      const engine = migrating(seed)
      const w = engine.world
      const { B, groupOf, groupIdentity } = w.constants
      const before = Int32Array.from(groupOf)
      const attachment = Float64Array.from({ length: w.constants.n }, (_, i) => attachmentOf(w.constants, w.state, i))
      evolutionOf(w).afterTick(1000)
      const migrants: number[] = []
      for (let i = 0; i < w.constants.n; i++) {
        if (groupOf[i] === before[i]) continue
        migrants.push(i)
        expect(attachment[i]).toBeLessThan(0.2)
        expect(w.state.spins[i * B + groupIdentity[groupOf[i]]]).toBe(1)
        expect(w.state.spins[i * B + groupIdentity[before[i]]]).toBe(-1)
      }
      engine.step()
      // Rituals are numbered in scenario order, one per group here: a migrant attends its new group's.
      for (const i of migrants) expect(w.inputs.ritual[i]).toBe(groupOf[i])
      moved += migrants.length
    }
    expect(moved).toBeGreaterThan(0)
  })

  it("a group's size in the groups table follows its members", async () => {
    const json = scenarioJson(1, { every: 20, rate: 0.2, mutation: exact, migration: { threshold: 0.2, rate: 0.5 } })
    const r = await simulate(decodeScenario(json))
    const last = tableRows(r.world, "groups").slice(-4)
    const sizes = GROUPS.map((_, g) => r.world.constants.groupOf.filter((x) => x === g).length)
    expect(last.map((row) => row[2])).toEqual(sizes)
    expect(sizes).not.toEqual([20, 20, 20, 20])
  })
})

describe("outputs", () => {
  it("attachment computed on the main thread is the kernel's measured attachment", async () => {
    const r = await simulate(decodeScenario(scenarioJson(1, { every: 20, rate: 0.3, mutation: exact }, 60)))
    const w = r.world
    for (let i = 0; i < w.constants.n; i++) expect(attachmentOf(w.constants, w.state, i)).toBe(r.perAgent[i * SLOTS + Slot.attachment])
  })

  it("are identical on 1 and 3 threads, with every phase split", async () => {
    const mutation = { period: 1, alpha: 0.1, duration: 0.5, flip: 0.1, drop: 0.1, add: 0.1 }
    const s = decodeScenario(scenarioJson(4, { every: 10, rate: 0.3, mutation, migration: { threshold: 0.2, rate: 0.3 } }, 80))
    const run = async (threads: number) => {
      const world = prepareWorld(s, "<test>", undefined, threads > 1)
      const r = await Effect.runPromise(runWorld(world).pipe(Effect.provide(Scheduler.workerPool(threads, 1))))
      return {
        metrics: r.metrics.rows,
        tables: JSON.stringify(evolutionOf(world).tables()),
        spins: Array.from(world.state.spins),
        groupOf: Array.from(world.constants.groupOf)
      }
    }
    const one = await run(1)
    expect(await run(3)).toEqual(one)
    expect(one.tables).toContain("\"parent\"")
  })
})

describe("scenario checks", () => {
  const json = scenarioJson(1, { every: 20, rate: 0.3 })
  const interventions = json.interventions as Record<string, unknown>[]

  it("needs two groups with a ritual", () => {
    const e = inputErrorOf(() => decodeScenario({ ...json, interventions: interventions.slice(0, 1) }))
    expect(e.path).toBe("evolution.rituals")
    expect(e.message).toContain("at least two groups")
  })

  it("needs each group's ritual attended by the group and repeating", () => {
    const allTargets = inputErrorOf(() => decodeScenario({ ...json, interventions: [{ ...interventions[0], target: "all", group: "a" }, ...interventions.slice(1)] }))
    expect(allTargets.path).toBe("interventions[0].target")
    const once = inputErrorOf(() => decodeScenario({ ...json, interventions: [{ ...interventions[0], every: undefined }, ...interventions.slice(1)] }))
    expect(once.path).toBe("interventions[0].every")
    const twice = inputErrorOf(() => decodeScenario({ ...json, interventions: [...interventions, interventions[1]] }))
    expect(twice.path).toBe("interventions[4]")
  })
})

describe("scenarios/evolution/rituals.json", () => {
  it("validates and runs", async () => {
    const file = join(import.meta.dirname, "../../../scenarios/evolution/rituals.json")
    const r = await simulate(loadScenario(file), { file, ticks: 30, recordEvery: 10 })
    expect(tableRows(r.world, "groups").length).toBe(4 * r.world.scenario.groups.length)
    expect(tableRows(r.world, "ritual_lineages").length).toBeGreaterThanOrEqual(r.world.scenario.groups.length)
  })
})
