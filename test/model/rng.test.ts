// Seeds: every integer 0..2^32-1 is honoured; larger ones would alias smaller ones, so every entry point refuses them.
import { spawnSync } from "node:child_process"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { decodeExperiment } from "../../src/experiment/load.js"
import { MAX_SEED } from "../../src/model/rng.js"
import { decodeScenario } from "../../src/scenario/load.js"
import { simulate } from "../../src/run/simulation.js"
import { inputErrorOf } from "../support/errors.js"
import { scenario } from "../support/scenario.js"

const root = resolve(import.meta.dirname, "../..")
const kiln = (args: string[]) => spawnSync(process.execPath, [join(root, "bin/kiln.mjs"), ...args], { cwd: root, encoding: "utf8" })
const s = scenario({ ticks: 3, graph: { kind: "erdosRenyi", n: 60, p: 0.1 }, beliefs: [{ name: "a" }, { name: "b" }] })
const encoded = { name: "s", graph: { kind: "complete", n: 5 }, beliefs: [{ name: "a" }] }

describe("seeds", () => {
  it("the largest honoured seed is 2^32 - 1, and it gives another run than its low 32 bits would", async () => {
    expect(MAX_SEED).toBe(2 ** 32 - 1)
    const top = await simulate(s, { seed: MAX_SEED })
    const low = await simulate(s, { seed: MAX_SEED - 2 ** 31 })
    expect(top.world.state.spins).not.toEqual(low.world.state.spins)
  })

  it.each([2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, -1, 1.5])("seed %d is refused by the scenario schema, the API and the CLI", async (seed) => {
    expect(inputErrorOf(() => decodeScenario({ ...encoded, seed })).path).toBe("seed")
    await expect(simulate(s, { seed })).rejects.toThrow(InputError)
    const r = kiln(["run", "scenarios/cooling.json", "--seed", String(seed), "--ticks", "1", "--quiet"])
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("--seed")
  })

  it("an experiment seed above 2^32 - 1 is refused, 2^32 - 1 is accepted", () => {
    const exp = (seed: number) => ({ name: "e", scenario: encoded, seed, factors: [] })
    expect(inputErrorOf(() => decodeExperiment(exp(2 ** 32), "e.json")).path).toBe("seed")
    expect(decodeExperiment(exp(MAX_SEED), "e.json").spec.seed).toBe(MAX_SEED)
  })

  it("--set seed=2^32 is refused by kiln validate with exit code 2", () => {
    const r = kiln(["validate", "scenarios/cooling.json", "--set", `seed=${2 ** 32}`])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/at seed/)
  })
})
