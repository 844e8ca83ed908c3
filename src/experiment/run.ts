// One run of a sweep, start to end: build the world, step the engine, record like `runEngine`, and stop early
// when a stop rule holds. Plain synchronous code, so the same function runs in a worker or in this thread.
import { Engine } from "../engine.js"
import { formatInputError, InputError } from "../errors.js"
import type { Scenario } from "../scenario/schema.js"
import { prepareWorld } from "../simulation.js"
import type { StopRuleT } from "./schema.js"

export interface RunJob {
  readonly runId: string
  /** the point's scenario with this run's seed, ticks and recordEvery */
  readonly scenario: Scenario
  /** the scenario's file: graph files resolve against it */
  readonly file: string
  readonly stop: ReadonlyArray<StopRuleT>
}

export interface RunOutcome {
  readonly runId: string
  readonly status: "done" | "failed"
  readonly error?: string
  readonly columns: ReadonlyArray<string>
  /** the recorded rows, row-major: rows.length = columns.length × number of records */
  readonly rows: Float64Array
  /** the last tick stepped */
  readonly ticks: number
  /** "ticks" (ran to the end), "crossing:<metric>" or "steady:<metric>" */
  readonly stopReason: string
  /** epoch milliseconds */
  readonly started: number
  readonly finished: number
}

/** Checks the stop rules after each record; `check` returns the reason of the first rule that holds. */
export class StopRules {
  private readonly index: number[]
  private readonly history: Array<{ ticks: number[]; values: number[] }>

  constructor(private readonly rules: ReadonlyArray<StopRuleT>, columns: ReadonlyArray<string>) {
    this.index = rules.map((r) => {
      const k = columns.indexOf(r.metric)
      if (k < 0) throw new Error(`kiln experiment: stop rule metric "${r.metric}" is not a metrics column of this run`)
      return k
    })
    this.history = rules.map(() => ({ ticks: [], values: [] }))
  }

  check(row: ReadonlyArray<number>): string | undefined {
    const tick = row[0]
    let reason: string | undefined
    this.rules.forEach((r, k) => {
      const h = this.history[k]
      const v = row[this.index[k]]
      if (reason === undefined && h.values.length > 0) {
        if (r.kind === "crossing") {
          const p = h.values[h.values.length - 1]
          const down = p > r.threshold && v <= r.threshold
          const up = p < r.threshold && v >= r.threshold
          if ((r.direction !== "up" && down) || (r.direction !== "down" && up)) reason = `crossing:${r.metric}`
        } else if (tick >= r.ticks) {
          // steady: every record in [tick - K, tick] within the tolerance (tick 0 is recorded, so the window is full)
          let lo = v, hi = v
          for (let j = h.values.length - 1; j >= 0 && h.ticks[j] >= tick - r.ticks && hi - lo <= r.tolerance; j--) {
            lo = Math.min(lo, h.values[j])
            hi = Math.max(hi, h.values[j])
          }
          if (hi - lo <= r.tolerance) reason = `steady:${r.metric}`
        }
      }
      h.ticks.push(tick)
      h.values.push(v)
    })
    return reason
  }
}

const describeError = (e: unknown): string =>
  e instanceof InputError ? formatInputError(e) : e instanceof Error ? e.message : String(e)

/** Runs one job to its end or its stop rule; a thrown error becomes a `failed` outcome, never an exception. */
export const executeRun = (job: RunJob): RunOutcome => {
  const started = Date.now()
  let columns: ReadonlyArray<string> = []
  try {
    const engine = new Engine(prepareWorld(job.scenario, job.file))
    const s = engine.world.scenario
    columns = engine.columns
    const stop = new StopRules(job.stop, columns)
    const rows: number[] = []
    let stopReason = "ticks"
    const record = (): string | undefined => {
      const row = engine.measure()
      for (const v of row) rows.push(v)
      return stop.check(row)
    }
    record()
    // the recording schedule of runEngine: tick 0, every recordEvery-th tick, and the last tick
    while (engine.tick < s.ticks) {
      engine.step()
      if (engine.tick % s.recordEvery === 0 || engine.tick === s.ticks) {
        const reason = record()
        if (reason !== undefined) {
          stopReason = reason
          break
        }
      }
    }
    return { runId: job.runId, status: "done", columns, rows: Float64Array.from(rows), ticks: engine.tick, stopReason, started, finished: Date.now() }
  } catch (e) {
    return {
      runId: job.runId, status: "failed", error: describeError(e), columns, rows: new Float64Array(0),
      ticks: 0, stopReason: "failed", started, finished: Date.now()
    }
  }
}
