// The `kiln` commands: run, validate, schema. Each handler is an Effect; errors are typed and mapped to exit codes.
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { availableParallelism } from "node:os"
import { usefulThreads } from "../run/scheduler.js"
import { buildGraph } from "../run/build-graph.js"
import { InputError } from "../errors.js"
import { defaultRunDir } from "../io/run-dir.js"
import { scenarioJsonSchema } from "../scenario/load.js"
import { prepareWorld, resolveScenario, runOptionProblem } from "../run/simulation.js"
import { loadInput, loadInputAsync } from "./errors.js"
import { loadScenarioWithPlugins } from "../run/plugins.js"
import { worldColumns } from "../model/engine.js"
import { experimentCommands } from "./experiment.js"
import { runner } from "./cluster.js"
import { calibrateCommand } from "./calibrate.js"
import { decodeStopRules, experimentJsonSchema } from "../experiment/load.js"
import type { StopRule } from "../run/stop-rules.js"
import { runDirFlags, serve } from "./serve.js"
import { serveLive } from "../serve/index.js"
import { checkpointCommands, checkpointFlags, checkpointOption } from "./checkpoint.js"
import { runToDir } from "./run-to-dir.js"
import { analyze } from "./analyze.js"
import { drawerFor } from "../run/parallel-draw.js"

const scenarioArg = Argument.String("scenario").pipe(Argument.withDescription("scenario file (JSON)"))
const setFlag = Flag.String("set").pipe(
  Flag.atLeast(0),
  Flag.withDescription("override a scenario field: --set path.to.field=value (repeatable; value parsed as JSON)")
)

const run = Command.make(
  "run",
  {
    scenario: scenarioArg,
    ...runDirFlags(),
    seed: Flag.Int("seed").pipe(Flag.optional, Flag.withDescription("random seed (overrides the scenario)")),
    ticks: Flag.Int("ticks").pipe(Flag.optional, Flag.withDescription("ticks to run (overrides the scenario)")),
    recordEvery: Flag.Int("record-every").pipe(Flag.optional, Flag.withDescription("record metrics every N ticks")),
    set: setFlag,
    workers: Flag.Int("workers").pipe(
      Flag.optional,
      Flag.withDescription("threads stepping the simulation (default: available cores; capped at the cores and at one thread per 512 agents; results are identical for any number)")
    ),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDefault(false), Flag.withDescription("no progress or summary")),
    frames: Flag.Boolean("frames").pipe(Flag.withDefault(false), Flag.withDescription("also write frames.bin (node state per recorded tick) and layout positions, for `kiln serve`")),
    stop: Flag.String("stop").pipe(
      Flag.atLeast(0),
      Flag.withDescription(`end the run at the first record where a stop rule holds, written as in an experiment file: --stop '{"kind":"steady","metric":"energy_mean","ticks":50}' (repeatable)`)
    ),
    serve: Flag.Boolean("serve").pipe(Flag.withDefault(false), Flag.withDescription("watch the run live in the browser viewer (implies --frames; keeps serving until Ctrl-C)")),
    graphJson: Flag.Boolean("graph-json").pipe(
      Flag.withDefault(false),
      Flag.withDescription("also write graph.json above 100,000 agents (smaller graphs always get it; edges.parquet holds the graph at any size)")
    ),
    ...checkpointFlags
  },
  (o) =>
    Effect.gen(function* () {
      const options = {
        seed: Option.getOrUndefined(o.seed),
        ticks: Option.getOrUndefined(o.ticks),
        recordEvery: Option.getOrUndefined(o.recordEvery)
      }
      const workers = Option.getOrElse(o.workers, () => availableParallelism())
      yield* loadInput(() => checkOverrides(options, workers, o.scenario))
      const setupStart = performance.now()
      const loaded = yield* loadInputAsync(() => loadScenarioWithPlugins(o.scenario, o.set))
      const { world, threads, stop } = yield* loadInput(() => {
        const s = resolveScenario(loaded.scenario, options)
        const graph = buildGraph(s, o.scenario)
        const plan = usefulThreads(workers, graph.n)
        // Only a number the user asked for is worth a word; the default adapts silently.
        if (plan.capped && Option.isSome(o.workers)) process.stderr.write(`kiln: --workers ${workers}: ${plan.capped}\n`)
        const world = prepareWorld(s, o.scenario, graph, plan.threads > 1, loaded.plugins, drawerFor(plan.threads))
        return { world, threads: plan.threads, stop: stopRules(o.stop, o.scenario, worldColumns(world)) }
      })
      if (o.serve) return yield* serveLive(world, { out: Option.getOrUndefined(o.out), overwrite: o.overwrite, workers: threads, stop })
      const checkpoint = yield* loadInput(() => checkpointOption(o, o.scenario))
      const done = yield* runToDir({
        world, threads, stop, out: Option.getOrElse(o.out, () => defaultRunDir(world)),
        target: { overwrite: o.overwrite, beside: Option.isNone(o.out) }, label: world.scenario.name, quiet: o.quiet, frames: o.frames,
        graphJson: o.graphJson, ...(checkpoint ? { checkpoint } : {}),
        // how long reading the scenario and building the world took (graph, colouring, initial state)
        notes: { setupSeconds: Number(((performance.now() - setupStart) / 1000).toFixed(3)) }
      })
      if (!o.quiet) printSummary(world, done)
    })
).pipe(Command.withDescription("run a scenario and write its outputs"))

/** The last metrics and where the outputs went. */
export const printSummary = (
  world: { constants: { n: number }; scenario: { ticks: number } },
  done: { dir: string; started: Date; stopped?: { tick: number; reason: string }; result: { metrics: { columns: ReadonlyArray<string>; rows: ReadonlyArray<ReadonlyArray<number>> } } }
): void => {
  const { metrics } = done.result
  const secs = (Date.now() - done.started.getTime()) / 1000
  process.stdout.write(summaryTable(metrics.columns, metrics.rows[metrics.rows.length - 1]))
  const ran = done.stopped ? `${done.stopped.tick} ticks (stopped: ${done.stopped.reason})` : `${world.scenario.ticks} ticks`
  process.stdout.write(`\n${world.constants.n} agents × ${ran} in ${secs.toFixed(1)} s; outputs in ${done.dir}\n`)
}

/** Options given on the command line are checked like the file's fields. */
const checkOverrides = (s: { ticks?: number; recordEvery?: number; seed?: number }, workers: number, file: string) => {
  if (!Number.isInteger(workers) || workers < 1) throw inputError(file, "--workers", "expected an integer >= 1")
  const flags = { seed: "--seed", ticks: "--ticks", recordEvery: "--record-every" } as const
  for (const name of ["seed", "ticks", "recordEvery"] as const) {
    const value = s[name]
    const problem = value === undefined ? undefined : runOptionProblem(name, value)
    if (problem) throw inputError(file, flags[name], problem)
  }
}

const inputError = (file: string, path: string, message: string) => new InputError({ file, path, message })

/** `--stop` rules: JSON, decoded like an experiment file's `stop`, on metrics this run records. */
const stopRules = (flags: ReadonlyArray<string>, file: string, columns: ReadonlyArray<string>): StopRule[] => {
  const parsed = flags.map((text, i) => {
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw inputError(file, `--stop[${i}]`, `expected a stop rule in JSON, e.g. {"kind":"steady","metric":"energy_mean","ticks":50}; got ${text}`)
    }
  })
  const rules = decodeStopRules(parsed, file, "--stop")
  rules.forEach((r, i) => {
    if (!columns.includes(r.metric)) throw inputError(file, `--stop[${i}].metric`, `"${r.metric}" is not a metrics column; expected one of ${columns.join(", ")}`)
  })
  return rules
}

const validate = Command.make("validate", { scenario: scenarioArg, set: setFlag }, (o) =>
  Effect.gen(function* () {
    const loaded = yield* loadInputAsync(() => loadScenarioWithPlugins(o.scenario, o.set))
    const world = yield* loadInput(() => prepareWorld(loaded.scenario, o.scenario, undefined, false, loaded.plugins))
    const s = world.scenario
    process.stdout.write(
      `${o.scenario}: valid — ${world.constants.n} agents, ${world.beliefs.length} beliefs, ` +
        `${s.memes.length} memes, ${s.interventions.length} interventions, ${s.ticks} ticks\n`
    )
  })
).pipe(Command.withDescription("check a scenario file and its graph without running it"))

const schema = Command.make(
  "schema",
  { experiment: Flag.Boolean("experiment").pipe(Flag.withDefault(false), Flag.withDescription("print the schema of experiment files instead")) },
  (o) =>
    Effect.sync(() =>
      process.stdout.write(JSON.stringify(o.experiment ? experimentJsonSchema() : scenarioJsonSchema(), null, 2) + "\n")
    )
).pipe(Command.withDescription("print the JSON Schema of scenario files (--experiment: of experiment files)"))

/** A two-column table of the last recorded metrics. */
export const summaryTable = (columns: ReadonlyArray<string>, row: ReadonlyArray<number>): string => {
  const width = Math.max(...columns.map((c) => c.length))
  return columns.map((c, i) => `${c.padEnd(width)}  ${formatNumber(row[i])}`).join("\n") + "\n"
}

const formatNumber = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(5))

export const kiln = Command.make("kiln").pipe(
  Command.withDescription("Kiln: agent-based simulation of social annealing"),
  Command.withSubcommands([run, validate, schema, serve, ...checkpointCommands, ...experimentCommands, calibrateCommand, analyze, runner])
)


