// The intervention timeline: each tick, turns the scenario's active interventions into the kernels' inputs.
// Runs on the main thread before the sweeps; its only random draws (ritual attendance) are counter-based.
// What each kind does lives in its file in ./interventions/; this module only schedules them.
import { type Apply, setupIntervention } from "./interventions/index.js"
import { clearInputs } from "./state.js"
import type { Intervention } from "../scenario/schema.js"
import type { World } from "./world.js"

/** Where tick t falls in an intervention's schedule: the phase inside an occurrence, or -1 when inactive. */
export const phaseAt = (iv: Intervention, t: number): number => {
  if (t < iv.start) return -1
  const rel = t - iv.start
  if (iv.every === undefined) return rel < iv.duration ? rel : -1
  const onset = t - (rel % iv.every)
  if (iv.until !== undefined && onset >= iv.until) return -1
  const phase = rel % iv.every
  return phase < iv.duration ? phase : -1
}

export class Timeline {
  private wasActive = false
  private readonly effects: ReadonlyArray<Apply>
  private readonly schedules: ReadonlyArray<(t: number) => number>
  /** This tick's phase of each intervention (-1 inactive), reused every tick. */
  private readonly phases: Int32Array

  constructor(private readonly w: World) {
    const ivs = w.scenario.interventions
    const extra = w.plugins.flatMap((p) => p.plugin.interventions ?? [])
    const setups = ivs.map((iv, k) => setupIntervention(iv, { world: w, agents: w.targets[k], k }, extra))
    this.effects = setups.map((e) => (typeof e === "function" ? e : e.apply))
    this.schedules = setups.map((e, k) => (typeof e === "function" ? (t: number) => phaseAt(ivs[k], t) : e.phaseAt))
    this.phases = new Int32Array(ivs.length)
  }

  /** Sets the inputs for tick t (and applies onsets that change state: seeded memes, flipped truths). */
  apply(t: number): void {
    const ivs = this.w.scenario.interventions
    let active = false
    for (let k = 0; k < ivs.length; k++) {
      this.phases[k] = this.schedules[k](t)
      if (this.phases[k] >= 0) active = true
    }
    if (!active && !this.wasActive) return
    clearInputs(this.w.inputs)
    this.wasActive = active
    for (let k = 0; k < ivs.length; k++) if (this.phases[k] >= 0) this.effects[k](t, this.phases[k])
  }
}
