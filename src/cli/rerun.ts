// The `kiln rerun` command: one stored run of an experiment DB stepped again from its definition and seed, into a
// run directory (optionally with frames for the viewer) or live in the viewer.
import { availableParallelism } from "node:os"
import { join } from "node:path"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { safeName } from "../io/output-dir.js"
import { buildGraph } from "../run/build-graph.js"
import { usefulThreads } from "../run/scheduler.js"
import { prepareWorld } from "../run/simulation.js"
import { serveLive } from "../serve/index.js"
import { loadStoredRun } from "../experiment/rerun.js"
import { loadInput, loadInputAsync } from "./errors.js"
import { runDirFlags } from "./serve.js"
import { runToDir } from "./run-to-dir.js"

export const rerun = Command.make(
  "rerun",
  {
    db: Argument.String("db").pipe(Argument.withDescription("experiment DB")),
    runId: Argument.String("run_id").pipe(Argument.withDescription("the run to reproduce (a run_id of the runs table)")),
    out: Flag.String("out").pipe(
      Flag.optional,
      Flag.withDescription("output directory (default runs/<experiment>-<run_id>, or …-2, … when that holds an earlier run; with --serve as `kiln run --serve`)")
    ),
    overwrite: runDirFlags().overwrite,
    frames: Flag.Boolean("frames").pipe(Flag.withDefault(false), Flag.withDescription("also write frames.bin and layout positions, for `kiln serve`")),
    serve: Flag.Boolean("serve").pipe(Flag.withDefault(false), Flag.withDescription("watch the run live in the browser viewer (implies --frames)")),
    workers: Flag.Int("workers").pipe(Flag.optional, Flag.withDescription("threads stepping the run (default: cores; results are identical for any number)")),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDefault(false), Flag.withDescription("no progress or summary"))
  },
  (o) =>
    Effect.gen(function* () {
      const stored = yield* loadInputAsync(() => loadStoredRun(o.db, o.runId))
      const { world, threads } = yield* loadInput(() => {
        const graph = buildGraph(stored.scenario, stored.file)
        const threads = usefulThreads(Option.getOrElse(o.workers, () => availableParallelism()), graph.n).threads
        return { world: prepareWorld(stored.scenario, stored.file, graph, threads > 1, stored.plugins), threads }
      })
      if (o.serve) return yield* serveLive(world, { out: Option.getOrUndefined(o.out), overwrite: o.overwrite, workers: threads, stop: stored.stop })
      const name = `${safeName(stored.experiment.spec.name)}-${o.runId}`
      const out = Option.getOrElse(o.out, () => join("runs", name))
      const { dir, result, stopped } = yield* runToDir({
        world, threads, stop: stored.stop, out, target: { overwrite: o.overwrite, beside: Option.isNone(o.out) },
        label: name, quiet: o.quiet, frames: o.frames
      })
      const { metrics } = result
      if (!o.quiet) {
        const point = Object.entries(stored.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")
        process.stdout.write(`${stored.experiment.spec.name} run ${o.runId} (${point || "the base point"}, seed ${world.scenario.seed}): ` +
          `${metrics.rows.length} records to tick ${metrics.rows[metrics.rows.length - 1][0]}${stopped ? ` (stopped: ${stopped.reason})` : ""}; outputs in ${dir}\n`)
      }
    })
).pipe(Command.withDescription("reproduce one run of an experiment DB exactly, into a run directory or live in the viewer"))
