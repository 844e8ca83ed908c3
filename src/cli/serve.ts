// The `kiln serve` command: a run directory is shown for playback; a scenario file is run live and shown.
import { statSync } from "node:fs"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { InputError } from "../errors.js"
import { buildGraph } from "../run/build-graph.js"
import { loadScenarioWithPlugins } from "../run/plugins.js"
import { serveLive, serveRun } from "../serve/index.js"
import { DEFAULT_LIVE_RATE } from "../serve/live.js"
import { DEFAULT_PORT } from "../serve/server.js"
import { usefulThreads } from "../run/scheduler.js"
import { prepareWorld, resolveScenario } from "../run/simulation.js"
import { loadInput, loadInputAsync } from "./errors.js"

export const portFlag = Flag.Int("port").pipe(
  Flag.withDefault(DEFAULT_PORT),
  Flag.withDescription(`port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`)
)
export const hostFlag = Flag.String("host").pipe(
  Flag.withDefault("127.0.0.1"),
  Flag.withDescription("address to bind (default 127.0.0.1: this machine only; 0.0.0.0 exposes the viewer to the network)")
)

const checkPort = (port: number) => {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError({ file: "<command line>", path: "--port", message: `expected an integer 0..65535, got ${port}` })
  }
}

/**
 * Where a run directory goes and whether it may replace an earlier run: the same two flags on `kiln run` and on
 * live mode (`prefix` says which mode they apply to in `--help`).
 */
export const runDirFlags = (prefix = "") => ({
  out: Flag.String("out").pipe(
    Flag.optional,
    Flag.withDescription(`${prefix}output directory: new, empty, or an earlier run with --overwrite (default runs/<name>-<seed>; when that holds an earlier run, runs/<name>-<seed>-2, …)`)
  ),
  overwrite: Flag.Boolean("overwrite").pipe(
    Flag.withDefault(false),
    Flag.withDescription(`${prefix}replace an earlier Kiln run in the output directory (a directory Kiln did not write is never replaced)`)
  )
})

export const serve = Command.make(
  "serve",
  {
    target: Argument.String("target").pipe(Argument.withDescription("a run directory (playback) or a scenario file (run live)")),
    port: portFlag,
    host: hostFlag,
    rate: Flag.Finite("rate").pipe(
      Flag.withDefault(DEFAULT_LIVE_RATE),
      Flag.withDescription(`live mode: ticks per second, so the spread can be watched (default ${DEFAULT_LIVE_RATE}; 0: no limit); the viewer changes it`)
    ),
    ...runDirFlags("live mode: "),
    ticks: Flag.Int("ticks").pipe(Flag.optional, Flag.withDescription("live mode: ticks to run (overrides the scenario)")),
    workers: Flag.Int("workers").pipe(
      Flag.withDefault(1),
      Flag.withDescription("live mode: threads stepping the run (default 1; capped at the cores and at one thread per 512 agents; results are identical for any number)")
    ),
    set: Flag.String("set").pipe(
      Flag.atLeast(0),
      Flag.withDescription("live mode: override a scenario field: --set path.to.field=value (repeatable; value parsed as JSON)")
    )
  },
  (o) =>
    Effect.gen(function* () {
      yield* loadInput(() => checkPort(o.port))
      const isDir = yield* loadInput(() => {
        try {
          return statSync(o.target).isDirectory()
        } catch {
          throw new InputError({ file: o.target, path: "", message: "does not exist; expected a run directory or a scenario file" })
        }
      })
      if (isDir) return yield* serveRun(o.target, { host: o.host, port: o.port })
      yield* loadInput(() => {
        if (!Number.isInteger(o.workers) || o.workers < 1) throw new InputError({ file: o.target, path: "--workers", message: "expected an integer >= 1" })
      })
      const loaded = yield* loadInputAsync(() => loadScenarioWithPlugins(o.target, o.set))
      const { world, threads } = yield* loadInput(() => {
        const s = resolveScenario(loaded.scenario, { ticks: Option.getOrUndefined(o.ticks) })
        const graph = buildGraph(s, o.target)
        const plan = usefulThreads(o.workers, graph.n)
        if (plan.capped) process.stderr.write(`kiln serve: --workers ${o.workers}: ${plan.capped}\n`)
        return { world: prepareWorld(s, o.target, graph, plan.threads > 1, loaded.plugins), threads: plan.threads }
      })
      yield* serveLive(world, {
        host: o.host, port: o.port, rate: o.rate, waitForViewer: true, out: Option.getOrUndefined(o.out), overwrite: o.overwrite, workers: threads
      })
    })
).pipe(Command.withDescription("show a run in the browser viewer, or run a scenario live and show it as it goes"))
