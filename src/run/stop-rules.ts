// Stop rules: a run ends early at the first record where one holds (the experiment file's `stop`, or the API's).
// Checked by the run loop (src/run-loop.ts) on recorded rows only, so a rule sees the same values on any thread count.
import type { StopRuleT } from "../experiment/schema.js"

export type StopRule = StopRuleT
type Crossing = Extract<StopRule, { kind: "crossing" }>
type Steady = Extract<StopRule, { kind: "steady" }>
/** A stop rule as an experiment file writes it: `direction` and `tolerance` may be left to their defaults. */
export type StopRuleInput =
  | (Omit<Crossing, "direction"> & Partial<Pick<Crossing, "direction">>)
  | (Omit<Steady, "tolerance"> & Partial<Pick<Steady, "tolerance">>)

/** Checks the stop rules after each record; `check` returns the reason of the first rule that holds. */
export class StopRules {
  private readonly index: number[]
  private readonly history: Array<{ ticks: number[]; values: number[] }>

  constructor(private readonly rules: ReadonlyArray<StopRule>, columns: ReadonlyArray<string>) {
    this.index = rules.map((r) => {
      const k = columns.indexOf(r.metric)
      if (k < 0) throw new Error(`kiln: stop rule metric "${r.metric}" is not a metrics column of this run`)
      return k
    })
    this.history = rules.map(() => ({ ticks: [], values: [] }))
  }

  /** The records seen so far (a checkpoint carries them, so steady rules look back across a resume). */
  save(): Array<{ ticks: number[]; values: number[] }> {
    return structuredClone(this.history)
  }

  load(saved: ReadonlyArray<{ ticks: number[]; values: number[] }>): void {
    saved.forEach((h, k) => (this.history[k] = { ticks: [...h.ticks], values: [...h.values] }))
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
