// `kiln calibrate <experiment> --target targets.json`: ABC-SMC fit of scenario parameters, progress on stderr,
// the posterior summary on stdout. Bad input exits 2 before anything runs.
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { formatValue } from "../experiment/charts.js"
import { asTyped, calibrate, summaryOf, type CalibrateProgress } from "../experiment/calibrate/run.js"
import { usefulThreads } from "../run/scheduler.js"
import { progressBar, type Progress } from "./progress.js"

const line = (s: string) => process.stderr.write(`kiln calibrate: ${s}\n`)

/** A bar per batch of runs, and one line per finished generation. */
const reporter = (quiet: boolean) => {
  let bar: Progress | undefined
  let at = ""
  return (p: CalibrateProgress) => {
    if (quiet) return
    if (p.kind === "note") return line(p.message)
    if (p.kind === "batch") {
      const key = `${p.generation}/${p.batch}`
      if (key !== at) {
        bar?.finish()
        at = key
        const stored = p.sweep.skipped > 0 ? ` (${p.sweep.skipped} runs stored)` : ""
        bar = progressBar(`generation ${p.generation}${p.batch > 0 ? ` batch ${p.batch}` : ""}${stored}`)
      }
      return bar!.update(p.sweep.finished + p.sweep.skipped, p.sweep.total)
    }
    bar?.finish()
    bar = undefined
    at = ""
    const g = p.generation
    const eps = Number.isFinite(g.epsilon) ? `ε ${formatValue(g.epsilon)}` : "ε ∞ (the prior)"
    line(`generation ${g.generation}${p.resumed ? " (stored)" : ""}: ${eps}, ${g.particles.length} accepted of ${g.proposed} proposed (${g.hits} within ε), ESS ${g.ess.toFixed(1)}`)
  }
}

export const calibrateCommand = Command.make(
  "calibrate",
  {
    experiment: Argument.String("experiment").pipe(Argument.withDescription("experiment file (JSON) without factors: the base scenario, ticks, set, replicates, metrics")),
    target: Flag.String("target").pipe(Flag.withDescription("targets file (JSON): priors of the fitted scenario fields and the observed statistics")),
    out: Flag.String("out").pipe(Flag.optional, Flag.withDescription("output directory (default runs/calibration-<name>-<seed>); it works in .<out>.calibrating beside it until done")),
    particles: Flag.Int("particles").pipe(Flag.withDefault(100), Flag.withDescription("particles per population (default 100)")),
    generations: Flag.Int("generations").pipe(Flag.optional, Flag.withDescription("populations, the prior's (generation 0) included (default 5)")),
    untilEpsilon: Flag.Finite("until-epsilon").pipe(Flag.optional, Flag.withDescription("stop after the first population whose tolerance is at most E (at most 30 populations)")),
    alpha: Flag.Finite("alpha").pipe(Flag.withDefault(0.5), Flag.withDescription("the next tolerance is this quantile of the current distances (default 0.5)")),
    workers: Flag.Int("workers").pipe(Flag.optional, Flag.withDescription("worker threads, one run each (default: cores; 0: this thread)")),
    seed: Flag.Int("seed").pipe(Flag.optional, Flag.withDescription("calibration seed instead of the experiment's: proposals and run seeds derive from it")),
    resume: Flag.Boolean("resume").pipe(Flag.withDefault(false), Flag.withDescription("continue an interrupted calibration from its last completed generation and its stored runs")),
    overwrite: Flag.Boolean("overwrite").pipe(Flag.withDefault(false), Flag.withDescription("replace an earlier calibration in --out")),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDefault(false), Flag.withDescription("no progress or summary"))
  },
  (o) =>
    Effect.gen(function* () {
      const asked = Option.getOrUndefined(o.workers)
      const workers = asked === undefined || asked <= 0 ? asked : usefulThreads(asked).threads
      const r = yield* Effect.tryPromise({
        try: (signal) => calibrate(o.experiment, o.target, {
          signal,
          particles: o.particles,
          alpha: o.alpha,
          resume: o.resume,
          overwrite: o.overwrite,
          flags: true,
          onProgress: reporter(o.quiet),
          ...(Option.isSome(o.out) ? { out: o.out.value } : {}),
          ...(Option.isSome(o.generations) ? { generations: o.generations.value } : {}),
          ...(Option.isSome(o.untilEpsilon) ? { untilEpsilon: o.untilEpsilon.value } : {}),
          ...(workers !== undefined ? { workers } : {}),
          ...(Option.isSome(o.seed) ? { seed: o.seed.value } : {})
        }),
        catch: asTyped
      })
      if (o.quiet) return
      const g = r.posterior
      const width = Math.max(9, ...r.parameters.map((p) => p.name.length))
      const rows = r.parameters.map((p, a) => {
        const s = summaryOf(g, a)
        return `${p.name.padEnd(width)}  ${[s.mean, s.sd, s.q05, s.median, s.q95].map((v) => formatValue(v).padStart(11)).join("")}`
      })
      process.stdout.write(
        `${"parameter".padEnd(width)}  ${["mean", "sd", "5%", "median", "95%"].map((h) => h.padStart(11)).join("")}\n${rows.join("\n")}\n` +
          `posterior: generation ${g.generation}, ε ${formatValue(g.epsilon)}, ${g.particles.length} particles (ESS ${g.ess.toFixed(1)}); ` +
          `${r.simulations} runs${r.failedRuns > 0 ? ` (${r.failedRuns} failed, rejected)` : ""} in ${r.seconds.toFixed(1)} s; stopped: ${r.stopReason}; outputs in ${r.dir}\n`
      )
    })
).pipe(Command.withDescription("fit scenario parameters to observed statistics by ABC-SMC (runs through the sweep machinery; resumable)"))

