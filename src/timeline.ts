// The intervention timeline: each tick, turns the scenario's active interventions into the kernels' inputs.
// Runs on the main thread before the sweeps; its only random draws (ritual attendance) are counter-based.
import { hashUniform } from "./rng.js"
import { clearInputs } from "./state.js"
import type { Intervention } from "./scenario/schema.js"
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

const ATTEND_SALT = 0x61747465

export class Timeline {
  private wasActive = false
  private readonly ritualIndex: ReadonlyArray<number>

  constructor(private readonly w: World) {
    let r = 0
    this.ritualIndex = w.scenario.interventions.map((iv) => (iv.kind === "ritual" ? r++ : -1))
  }

  /** Sets the inputs for tick t (and applies onsets that change state: seeded memes, flipped truths). */
  apply(t: number): void {
    const ivs = this.w.scenario.interventions
    const active: number[] = []
    for (let k = 0; k < ivs.length; k++) if (phaseAt(ivs[k], t) >= 0) active.push(k)
    if (active.length === 0 && !this.wasActive) return
    clearInputs(this.w.inputs)
    this.wasActive = active.length > 0
    for (const k of active) this.applyOne(k, t, phaseAt(ivs[k], t))
  }

  private applyOne(k: number, t: number, phase: number): void {
    const iv = this.w.scenario.interventions[k]
    const agents = this.w.targets[k]
    const x = this.w.inputs
    const onset = phase === 0
    switch (iv.kind) {
      case "ritual":
        return this.ritual(k, iv, agents, t)
      case "meditation":
        for (const i of agents) {
          x.depth[i] = Math.max(x.depth[i], iv.depth)
          x.heat[i] += iv.sensory
          if (iv.variant === "metta") {
            x.valence[i] += iv.valence
            this.addContent(i, iv.content, iv.strength)
          }
        }
        return
      case "psychedelic":
        for (const i of agents) {
          if (onset) x.heat[i] += iv.dose
          x.volatility[i] = Math.hypot(x.volatility[i], iv.volatility)
          x.complexityBias[i] += iv.complexityBias
          this.addContent(i, iv.content, iv.strength)
        }
        return
      case "sinks":
        for (const i of agents) x.sinks[i] += iv.load
        return
      case "sleep":
        return this.sleep(iv, agents, phase)
      case "fieldAnnealing":
        for (const i of agents) {
          x.fieldHeat[i] += iv.heat
          x.consonance[i] += iv.consonance
        }
        return
      case "seedMeme":
        if (onset) this.seedMeme(iv.meme, agents)
        return
      case "shock":
        if (onset) for (const b of iv.flip) this.w.state.truth[this.w.beliefIndex.get(b)!] *= -1
        for (const i of agents) x.heat[i] += iv.surprise
        return
    }
  }

  /** Collective effervescence: energy α·sync where sync is the share of the group attending. */
  private ritual(k: number, iv: Extract<Intervention, { kind: "ritual" }>, agents: Int32Array, t: number): void {
    const { w } = this
    const x = w.inputs
    const r = this.ritualIndex[k]
    const attending: number[] = []
    for (const i of agents) {
      if (iv.attendance >= 1 || hashUniform(w.scenario.seed ^ ATTEND_SALT, t, i, k) < iv.attendance) attending.push(i)
    }
    const groupName = iv.group ?? (typeof iv.target === "object" && "group" in iv.target ? iv.target.group : undefined)
    let sync: number
    if (groupName === undefined) sync = agents.length > 0 ? attending.length / agents.length : 0
    else {
      const g = w.graph.groupNames.indexOf(groupName)
      let size = 0
      let present = 0
      for (let i = 0; i < w.graph.n; i++) if (w.graph.group[i] === g) size++
      for (const i of attending) if (w.graph.group[i] === g) present++
      sync = size > 0 ? present / size : 0
    }
    x.bond[r] = iv.bond
    for (const i of attending) {
      x.heat[i] += iv.alpha * sync
      x.ritual[i] = r
      this.addContent(i, iv.content, iv.strength)
    }
  }

  /** A day: awake, then nREM (housekeeping, no content), then REM (random fields); deprivation = 0 ticks. */
  private sleep(iv: Extract<Intervention, { kind: "sleep" }>, agents: Int32Array, phase: number): void {
    const x = this.w.inputs
    const p = phase % iv.cycle
    const awake = iv.cycle - iv.nrem - iv.rem
    if (p < awake) return
    const rem = p >= awake + iv.nrem
    for (const i of agents) {
      x.sleep[i] = rem ? 2 : 1
      x.heat[i] += iv.energy
      if (rem) x.volatility[i] = Math.hypot(x.volatility[i], iv.volatility)
      else x.housekeeping[i] = iv.housekeeping
    }
  }

  private seedMeme(name: string, agents: Int32Array): void {
    const { constants: c, state } = this.w
    const m = this.w.scenario.memes.findIndex((x) => x.name === name)
    for (const i of agents) {
      for (let a = 0; a < c.B; a++) {
        const v = c.memeContent[m * c.B + a]
        if (v !== 0) state.spins[i * c.B + a] = v
      }
      state.salience[i * c.M + m] = 1
    }
  }

  private addContent(i: number, content: Readonly<Record<string, number>>, strength: number): void {
    const B = this.w.constants.B
    for (const name in content) this.w.inputs.field[i * B + this.w.beliefIndex.get(name)!] += strength * content[name]
  }
}
