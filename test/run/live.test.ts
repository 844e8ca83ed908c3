// Live streams: a slow consumer sees the latest state, counts what it skipped, and never slows the run.
import { Effect } from "effect"
import { lastValueFrom, toArray } from "rxjs"
import { describe, expect, it } from "vitest"
import { live$, runLive, type LiveTick } from "../../src/run/live.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { scenario } from "../support/scenario.js"

const s = scenario({ ticks: 300, graph: { kind: "erdosRenyi", n: 400, p: 0.02 }, beliefs: [{ name: "a" }, { name: "b" }, { name: "c" }] })

describe("live stream", () => {
  it("a slow consumer gets the newest tick with skipped ticks counted, and the run does not wait for it", async () => {
    const seen: LiveTick[] = []
    const started = Date.now()
    let finishedAt = 0
    await Effect.runPromise(
      runLive(s, (t) => Effect.sleep("40 millis").pipe(Effect.andThen(Effect.sync(() => { seen.push(t) }))), {
        onTick: (tick, ticks) => { if (tick === ticks) finishedAt = Date.now() }
      }).pipe(Effect.provide(Scheduler.inProcess))
    )
    const published = s.ticks + 1
    // Every published tick is either delivered or counted as skipped.
    expect(seen.length + seen.reduce((n, t) => n + t.skipped, 0)).toBe(published)
    expect(seen.length).toBeLessThan(published / 2)
    expect(seen[seen.length - 1].tick).toBe(s.ticks)
    // Delivering every tick at 40 ms each would take 12 s; the run itself finished long before.
    expect(finishedAt - started).toBeLessThan((published * 40) / 4)
  })

  it("as an rxjs Observable: increasing ticks ending at the last, with every recorded tick seen or counted", async () => {
    const ticks = await lastValueFrom(live$({ ...s, ticks: 20, recordEvery: 5 }).pipe(toArray()))
    const order = ticks.map((t) => t.tick)
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(order[order.length - 1]).toBe(20)
    expect(ticks.length + ticks.reduce((n, t) => n + t.skipped, 0)).toBe(5)
  })
})
