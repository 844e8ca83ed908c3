// `kiln analyze sobol|morris <db>`: sensitivity indices of one metric from a store swept with a sobol or morris sample.
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { extname } from "node:path"
import { InputError, RunError } from "../errors.js"
import { checkOut, plotSensitivity } from "../experiment/plot.js"
import { analyzeStore, formatAnalysis, parseAt, writeAnalysis, type SensitivityMethod } from "../experiment/sensitivity/analyze.js"
import { loadInput } from "./errors.js"

const typed = (e: unknown): InputError | RunError =>
  e instanceof InputError || e instanceof RunError ? e : new RunError({ message: `kiln: ${e instanceof Error ? e.message : String(e)}`, cause: e })

const method = (name: SensitivityMethod, description: string) =>
  Command.make(
    name,
    {
      db: Argument.String("db").pipe(Argument.withDescription(`experiment DB swept with a ${name} sample`)),
      metric: Flag.String("metric").pipe(Flag.withDescription("the metric to analyse, e.g. frustration_mean")),
      at: Flag.String("at").pipe(
        Flag.withDefault("final"),
        Flag.withDescription("the value a run contributes: final (its last record, default), mean (over its records) or a recorded tick")
      ),
      conf: Flag.Finite("conf").pipe(Flag.withDefault(0.95), Flag.withDescription("confidence level of the bootstrap intervals (default 0.95)")),
      resamples: Flag.Int("resamples").pipe(Flag.withDefault(1000), Flag.withDescription("bootstrap resamples (default 1000)")),
      seed: Flag.Int("seed").pipe(Flag.withDefault(1), Flag.withDescription("seed of the bootstrap (default 1)")),
      out: Flag.String("out").pipe(Flag.optional, Flag.withDescription("also write the table to a .csv or .json file")),
      plot: Flag.String("plot").pipe(Flag.optional, Flag.withDescription("also draw it to an .svg or .png file")),
      width: Flag.Int("width").pipe(Flag.withDefault(480), Flag.withDescription("plot width in pixels")),
      height: Flag.Int("height").pipe(Flag.withDefault(280), Flag.withDescription("plot height in pixels"))
    },
    (o) =>
      Effect.gen(function* () {
        const out = Option.getOrUndefined(o.out)
        const plot = Option.getOrUndefined(o.plot)
        // flags are checked before the store is read
        const at = yield* loadInput(() => {
          if (out !== undefined && ![".csv", ".json"].includes(extname(out).toLowerCase())) {
            throw new InputError({ file: out, path: "--out", message: "expected a file ending in .csv or .json" })
          }
          if (plot !== undefined) checkOut(plot)
          return parseAt(o.at, o.db)
        })
        const a = yield* Effect.tryPromise({
          try: () => analyzeStore(o.db, name, { metric: o.metric, at, conf: o.conf, resamples: o.resamples, seed: o.seed }),
          catch: typed
        })
        process.stdout.write(formatAnalysis(a))
        if (out !== undefined) process.stdout.write(`\n${yield* loadInput(() => writeAnalysis(a, out))}\n`)
        if (plot !== undefined) {
          const file = yield* Effect.tryPromise({ try: () => plotSensitivity(a, { out: plot, width: o.width, height: o.height }), catch: typed })
          process.stdout.write(`${out === undefined ? "\n" : ""}${file}\n`)
        }
      })
  ).pipe(Command.withDescription(description))

/** `kiln analyze`, registered under `kiln` by commands.ts. */
export const analyze = Command.make("analyze").pipe(
  Command.withDescription("sensitivity analysis of an experiment DB swept with a sobol or morris sample"),
  Command.withSubcommands([
    method("sobol", "first-order and total Sobol indices (Jansen estimators) with bootstrap intervals; replicates averaged per point"),
    method("morris", "Morris elementary effects: μ, μ* (with a bootstrap interval) and σ per factor; replicates averaged per point")
  ])
)
