// Sleep: a day of awake, nREM (housekeeping, no content) and REM (random fields) ticks; deprivation = 0 ticks.
import { param, Probability } from "../../scenario/fields.js"
import { defineIntervention, type InterventionKind } from "./kind.js"

const fields = {
  cycle: param(24, "ticks per day", { int: true, min: 1 }),
  nrem: param(4, "nREM ticks per day", { int: true, min: 0 }),
  rem: param(2, "REM ticks per day (after nREM)", { int: true, min: 0 }),
  energy: param(0.5, "energy input per sleeping tick", { min: 0 }),
  housekeeping: Probability(0.05, "rho: nREM shrinks W by rho * plasticity"),
  volatility: param(0.5, "sd of REM random fields", { min: 0 })
}

export const sleep: InterventionKind<"sleep", typeof fields> = defineIntervention({
  kind: "sleep",
  fields,
  doc: {
    parameters: "`cycle` (24), `nrem` (4), `rem` (2), `energy` (0.5), `housekeeping` (0.05), `volatility` (0.5)",
    effect: "each cycle: awake, then nREM, then REM ticks. Asleep, agents do not observe (no social field, evidence, PE or meme reception); both stages add `energy`. nREM: no content, and plasticity does housekeeping W ← (1 − ρ p) W instead of Hebbian imprinting. REM: random fields, Hebbian imprinting back on. Deprivation = `nrem: 0` or `rem: 0`"
  },
  check: (iv, at, refs) => {
    if (iv.nrem + iv.rem > iv.cycle) refs.fail(`${at}.cycle`, "expected nrem + rem <= cycle")
  },
  setup: (iv, { world: w, agents }) => {
    const x = w.inputs
    const awake = iv.cycle - iv.nrem - iv.rem
    return (_t, phase) => {
      const p = phase % iv.cycle
      if (p < awake) return
      const rem = p >= awake + iv.nrem
      for (const i of agents) {
        x.sleep[i] = rem ? 2 : 1
        x.heat[i] += iv.energy
        if (rem) x.volatility[i] = Math.hypot(x.volatility[i], iv.volatility)
        else x.housekeeping[i] = iv.housekeeping
      }
    }
  }
})
