// The API faces of a run: simulate() and the live rxjs stream.
import { firstValueFrom, lastValueFrom, take, toArray } from "rxjs"
import { describe, expect, it } from "vitest"
import { simulate, simulation$ } from "../../src/run/simulation.js"
import { scenario } from "../support/scenario.js"

const s = scenario({
  ticks: 20,
  recordEvery: 5,
  graph: { kind: "erdosRenyi", n: 100, p: 0.05 },
  beliefs: [{ name: "a" }, { name: "b" }]
})

describe("simulate", () => {
  it("records tick 0, every recordEvery-th tick and the last, with the same values as the stream", async () => {
    const r = await simulate(s, { recordEvery: 6 })
    expect(r.metrics.rows.map((row) => row[0])).toEqual([0, 6, 12, 18, 20])
    const streamed = await lastValueFrom(simulation$(s, { recordEvery: 6 }).pipe(toArray()))
    expect(streamed.map((t) => t.tick)).toEqual([0, 6, 12, 18, 20])
    expect(streamed.map((t) => Object.values(t.metrics))).toEqual(r.metrics.rows)
  })

  it("takes an experiment's stop rules, with their defaults, and checks them like an experiment file", async () => {
    const full = await simulate(s, { ticks: 200 })
    const stopped = await simulate(s, { ticks: 200, stop: [{ kind: "steady", metric: "energy_mean", ticks: 20 }] })
    expect(stopped.stopReason).toBe("steady:energy_mean")
    expect(full.stopReason).toBe("ticks")
    expect(stopped.metrics.rows.length).toBeLessThan(full.metrics.rows.length)
    expect(stopped.metrics.rows).toEqual(full.metrics.rows.slice(0, stopped.metrics.rows.length))
    await expect(simulate(s, { stop: [{ kind: "steady", metric: "energy_mean", ticks: 0 }] })).rejects.toMatchObject({
      _tag: "InputError", file: "<options>", path: "stop[0].ticks"
    })
  })

  it("unsubscribing stops the run", async () => {
    let stepped = 0
    const stream = simulation$(s, { ticks: 1_000_000, recordEvery: 1, onTick: () => stepped++ })
    const first = await firstValueFrom(stream.pipe(take(3), toArray()))
    expect(first.map((t) => t.tick)).toEqual([0, 1, 2])
    await new Promise((r) => setTimeout(r, 50))
    const after = stepped
    await new Promise((r) => setTimeout(r, 200))
    expect(stepped).toBe(after)
    expect(stepped).toBeLessThan(1_000_000)
  })
})
