// The experiment commands: sweep, merge, export, report, plot. Bad input exits 2 before anything is written;
// a sweep with failed runs finishes, then exits 1.
import { availableParallelism } from "node:os"
import { usefulThreads } from "../run/scheduler.js"
import { basename, dirname, extname, join } from "node:path"
import { statSync } from "node:fs"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { InputError, RunError } from "../errors.js"
import { expandDesign, parseShard, shardRuns } from "../experiment/design.js"
import { exportDb } from "../experiment/export.js"
import { loadExperimentWithPlugins, withRunCounts } from "../experiment/load.js"
import { mergeDbs } from "../experiment/merge.js"
import { plot, plotMuller } from "../experiment/plot.js"
import { writeReport } from "../experiment/report.js"
import { defaultDb, runSweep, type SweepProgress } from "../experiment/sweep.js"
import { loadInput, loadInputAsync } from "./errors.js"
import { progressBar } from "./progress.js"
import { rerun } from "./rerun.js"
import { checkCollect, clusterFlags, clusterSweep } from "./cluster.js"

const typed = (e: unknown): InputError | RunError =>
  e instanceof InputError || e instanceof RunError ? e : new RunError({ message: `kiln: ${e instanceof Error ? e.message : String(e)}`, cause: e })

const attempt = <A>(f: () => Promise<A>): Effect.Effect<A, InputError | RunError> => Effect.tryPromise({ try: f, catch: typed })

/**
 * The shared progress bar over the runs this sweep executes (so runs/s and ETA are right on --resume), with the
 * runs already done in the label and the failure count appended to each line it draws.
 */
const sweepBar = (label: string, quiet: boolean) => {
  let failed = 0
  let bar: ReturnType<typeof progressBar> | undefined
  const err = process.stderr
  const stream = {
    isTTY: err.isTTY,
    write: (s: string) => err.write(s.replace(/(\x1b\[K|\n)$/, ` · ${failed} failed$1`))
  } as unknown as NodeJS.WriteStream
  return {
    update: (p: SweepProgress) => {
      failed = p.failed
      bar ??= progressBar(p.skipped > 0 ? `${label} (${p.skipped} of ${p.total} already done)` : label, stream, quiet)
      bar.update(p.finished, p.total - p.skipped)
    },
    finish: () => bar?.finish()
  }
}

const sweep = Command.make(
  "sweep",
  {
    experiment: Argument.String("experiment").pipe(Argument.withDescription("experiment file (JSON)")),
    db: Flag.String("db").pipe(Flag.optional, Flag.withDescription("results DB (default experiments/<name>.duckdb; with --shard i/N experiments/<name>.shard-i-of-N.duckdb)")),
    workers: Flag.Int("workers").pipe(Flag.optional, Flag.withDescription("worker threads, one run each (default: cores; 0: this thread)")),
    threads: Flag.Int("threads").pipe(
      Flag.withDefault(1),
      Flag.withDescription("threads stepping each run (default 1; at most the cores and one per 512 agents; results are identical for any number)")
    ),
    seed: Flag.Int("seed").pipe(Flag.optional, Flag.withDescription("experiment seed instead of the file's (default DB then experiments/<name>.seed-<N>.duckdb)")),
    replicates: Flag.Int("replicates").pipe(Flag.optional, Flag.withDescription("runs per design point instead of the file's")),
    resume: Flag.Boolean("resume").pipe(Flag.withDefault(false), Flag.withDescription("complete a DB that already holds runs of this experiment")),
    shard: Flag.String("shard").pipe(Flag.optional, Flag.withDescription("run only slice i of N (1-based), e.g. --shard 2/8")),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDefault(false), Flag.withDescription("no progress or summary")),
    ...clusterFlags
  },
  (o) =>
    Effect.gen(function* () {
      const experiment = yield* loadInputAsync(() => loadExperimentWithPlugins(o.experiment))
      const { design, shard, workers, threads, db } = yield* loadInput(() => {
        const counts = { seed: Option.getOrUndefined(o.seed), replicates: Option.getOrUndefined(o.replicates) }
        const design = expandDesign(withRunCounts(experiment, counts))
        const shardText = Option.getOrUndefined(o.shard)
        const shard = shardText === undefined ? undefined : parseShard(shardText)
        if (shardText !== undefined && shard === undefined) {
          throw new InputError({ file: o.experiment, path: "--shard", message: `expected i/N with 1 <= i <= N, got "${shardText}"` })
        }
        const workers = Option.getOrElse(o.workers, () => availableParallelism())
        if (!Number.isInteger(workers) || workers < 0) throw new InputError({ file: o.experiment, path: "--workers", message: "expected an integer >= 0" })
        const plan = usefulThreads(workers)
        if (workers > 0 && plan.capped) process.stderr.write(`kiln sweep: --workers ${workers}: ${plan.capped}\n`)
        if (!Number.isInteger(o.threads) || o.threads < 1) throw new InputError({ file: o.experiment, path: "--threads", message: "expected an integer >= 1" })
        const threads = usefulThreads(o.threads)
        if (threads.capped) process.stderr.write(`kiln sweep: --threads ${o.threads}: ${threads.capped}\n`)
        return { design, shard, workers: workers === 0 ? 0 : plan.threads, threads: threads.threads, db: Option.getOrElse(o.db, () => defaultDb(design.experiment, shard)) }
      })
      const name = design.experiment.spec.name
      yield* loadInput(() => checkCollect(o.experiment, o.cluster, o.collect))
      if (Option.isSome(o.cluster)) {
        const local = { db: o.db, shard: o.shard, workers: o.workers, threads: o.threads }
        const collect = Option.getOrUndefined(o.collect)
        return yield* clusterSweep(design, { url: o.cluster.value, collect, quiet: o.quiet, local, bar: sweepBar(name, o.quiet) })
      }
      const bar = sweepBar(shard ? `${name} ${shard.index}/${shard.count}` : name, o.quiet)
      const s = yield* runSweep(design, { db, workers, threads, resume: o.resume, ...(shard ? { shard } : {}), onProgress: bar.update })
      bar.finish()
      if (!o.quiet) {
        const slice = shardRuns(design.runs, shard).length
        process.stdout.write(
          `${name}: ${s.finished} runs in ${s.seconds.toFixed(1)} s (${s.runsPerSecond.toFixed(2)} runs/s, ${workers} workers` +
            `${threads > 1 ? ` × ${threads} threads` : ""})` +
            `${s.skipped > 0 ? `, ${s.skipped} already done` : ""}; ${s.failed} failed; ` +
            `${slice} of ${design.runs.length} runs in ${shard ? `shard ${shard.index}/${shard.count}` : "the design"}; results in ${db}\n`
        )
        for (const f of s.failures.slice(0, 5)) process.stdout.write(`  failed ${f.runId}: ${f.error.split("\n")[0]}\n`)
      }
      if (s.failed > 0) {
        return yield* Effect.fail(new RunError({
          message: `kiln: ${s.failed} of ${s.finished} runs failed (see SELECT run_id, error FROM runs WHERE status = 'failed' in ${db}); ` +
            "the other runs are stored; --resume retries the failed ones"
        }))
      }
    })
).pipe(Command.withDescription("run an experiment's design into a DuckDB file (parallel, resumable, shardable)"))

const merge = Command.make(
  "merge",
  {
    shards: Argument.String("dbs").pipe(Argument.atLeast(1), Argument.withDescription("shard DBs of one experiment")),
    db: Flag.String("db").pipe(Flag.withDescription("the DB to merge into (created if missing)"))
  },
  (o) =>
    Effect.gen(function* () {
      const s = yield* attempt(() => mergeDbs(o.shards, o.db))
      process.stdout.write(`${s.db}: ${s.added} runs added from ${o.shards.length} shards, ${s.runs} runs in all\n`)
    })
).pipe(Command.withDescription("combine shard DBs of one experiment"))

const stem = (path: string): string => join(dirname(path), basename(path, extname(path)))

const exportCmd = Command.make(
  "export",
  {
    db: Argument.String("db").pipe(Argument.withDescription("experiment DB")),
    format: Flag.Literals("format", ["parquet", "csv"]).pipe(Flag.withDefault("parquet" as const), Flag.withDescription("parquet (default) or csv")),
    out: Flag.String("out").pipe(Flag.optional, Flag.withDescription("output directory (default <db without extension>-<format>)"))
  },
  (o) =>
    Effect.gen(function* () {
      const out = Option.getOrElse(o.out, () => `${stem(o.db)}-${o.format}`)
      const files = yield* attempt(() => exportDb(o.db, o.format, out))
      process.stdout.write(files.join("\n") + "\n")
    })
).pipe(Command.withDescription("write each table of an experiment DB to Parquet or CSV"))

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

const report = Command.make(
  "report",
  {
    input: Argument.String("input").pipe(Argument.withDescription("experiment DB or run directory")),
    out: Flag.String("out").pipe(Flag.optional, Flag.withDescription("HTML file (default <db>.html, or report.html in the run directory)"))
  },
  (o) =>
    Effect.gen(function* () {
      const out = Option.getOrElse(o.out, () => (isDir(o.input) ? join(o.input, "report.html") : `${stem(o.input)}.html`))
      const file = yield* attempt(() => writeReport(o.input, out))
      process.stdout.write(`${file}\n`)
    })
).pipe(Command.withDescription("write a self-contained HTML report with charts (opens offline)"))

const plotCmd = Command.make(
  "plot",
  {
    input: Argument.String("input").pipe(Argument.withDescription("experiment DB or run directory")),
    metric: Flag.String("metric").pipe(Flag.withDescription("the metric to draw, e.g. energy_mean")),
    against: Flag.String("against").pipe(Flag.optional, Flag.withDescription("a swept parameter: final values against it (default: the metric over time)")),
    out: Flag.String("out").pipe(Flag.optional, Flag.withDescription("an .svg or .png file (default <metric>[-<parameter>].svg)")),
    width: Flag.Int("width").pipe(Flag.withDefault(480), Flag.withDescription("plot width in pixels")),
    height: Flag.Int("height").pipe(Flag.withDefault(280), Flag.withDescription("plot height in pixels")),
    scale: Flag.Finite("scale").pipe(Flag.withDefault(2), Flag.withDescription("PNG pixels per SVG pixel"))
  },
  (o) =>
    Effect.gen(function* () {
      const against = Option.getOrUndefined(o.against)
      const out = Option.getOrElse(o.out, () => `${o.metric}${against ? `-${against}` : ""}.svg`)
      const file = yield* attempt(() =>
        plot(o.input, { metric: o.metric, out, width: o.width, height: o.height, scale: o.scale, ...(against ? { against } : {}) })
      )
      process.stdout.write(`${file}\n`)
    })
).pipe(Command.withDescription("draw one chart of an experiment DB or run directory to SVG or PNG"))

const mullerCmd = Command.make(
  "muller",
  {
    input: Argument.String("input").pipe(Argument.withDescription("run directory or experiment DB of a run with evolution.memes")),
    run: Flag.String("run").pipe(Flag.optional, Flag.withDescription("the run of an experiment DB (needed when several runs have lineages)")),
    top: Flag.Int("top").pipe(Flag.withDefault(30), Flag.withDescription("lineages drawn besides the founders, the largest by peak share (default 30); the rest are drawn within their nearest drawn ancestor")),
    out: Flag.String("out").pipe(Flag.withDefault("muller.svg"), Flag.withDescription("an .svg or .png file (default muller.svg)")),
    width: Flag.Int("width").pipe(Flag.withDefault(640), Flag.withDescription("plot width in pixels")),
    height: Flag.Int("height").pipe(Flag.withDefault(320), Flag.withDescription("plot height in pixels")),
    scale: Flag.Finite("scale").pipe(Flag.withDefault(2), Flag.withDescription("PNG pixels per SVG pixel"))
  },
  (o) =>
    Effect.gen(function* () {
      const run = Option.getOrUndefined(o.run)
      const file = yield* attempt(() =>
        plotMuller(o.input, { top: o.top, out: o.out, width: o.width, height: o.height, scale: o.scale, ...(run ? { run } : {}) })
      )
      process.stdout.write(`${file}\n`)
    })
).pipe(Command.withDescription("draw the Muller plot of a run's meme lineages (clade shares over time, nested by descent)"))

/** The experiment commands, registered under `kiln` by commands.ts. */
export const experimentCommands = [sweep, rerun, merge, exportCmd, report, plotCmd.pipe(Command.withSubcommands([mullerCmd]))] as const
