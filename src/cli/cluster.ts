// Sweeps on a cluster: `kiln runner` serves sweep runs from Postgres until stopped; `kiln sweep --cluster` (the sweep
// command hands over to clusterSweep) submits a design's runs, follows them and, with --collect, stores them in DuckDB.
import { availableParallelism } from "node:os"
import { Config, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { InputError, RunError } from "../errors.js"
import type { Design } from "../experiment/design.js"
import { checkReachable, redactUrl } from "../experiment/cluster/connection.js"
import { runnerLayer } from "../experiment/cluster/runner.js"
import { checkCollectStore, collectOutcomes, runClusterSweep } from "../experiment/cluster/sweep.js"
import type { SweepProgress } from "../experiment/sweep.js"
import { usefulThreads } from "../run/scheduler.js"
import { loadInput } from "./errors.js"

/** The sweep command's cluster flags. */
export const clusterFlags = {
  cluster: Flag.String("cluster").pipe(
    Flag.optional,
    Flag.withDescription("run the design on the runners of this Postgres cluster, e.g. postgres://kiln:secret@db.lab:5432/kiln (docs/CLUSTER.md)")
  ),
  collect: Flag.String("collect").pipe(
    Flag.optional,
    Flag.withDescription("with --cluster: copy the results into this DuckDB file when every run is done")
  )
}

const positive = (value: number, flag: string): number => {
  if (!Number.isInteger(value) || value < 1) throw new InputError({ file: "kiln runner", path: flag, message: "expected an integer >= 1" })
  return value
}

export const runner = Command.make(
  "runner",
  {
    // from the environment too, so a service manager need not put the password on the command line
    cluster: Flag.String("cluster").pipe(
      Flag.withFallbackConfig(Config.String("KILN_CLUSTER_URL")),
      Flag.withDescription("the cluster's Postgres URL, e.g. postgres://kiln:secret@db.lab:5432/kiln (default: $KILN_CLUSTER_URL; docs/CLUSTER.md)")
    ),
    runs: Flag.Int("runs").pipe(Flag.optional, Flag.withDescription("runs stepped at once, one worker thread each (default: cores / --threads)")),
    threads: Flag.Int("threads").pipe(
      Flag.withDefault(1),
      Flag.withDescription("threads stepping each run (default 1; at most the cores and one per 512 agents; results are identical for any number)")
    )
  },
  (o) =>
    Effect.gen(function* () {
      const { runs, threads } = yield* loadInput(() => {
        const plan = usefulThreads(positive(o.threads, "--threads"))
        if (plan.capped) process.stderr.write(`kiln runner: --threads ${o.threads}: ${plan.capped}\n`)
        const runs = Option.match(o.runs, {
          onNone: () => Math.max(1, Math.floor(availableParallelism() / plan.threads)),
          onSome: (n) => positive(n, "--runs")
        })
        return { runs, threads: plan.threads }
      })
      const log = (line: string) => void process.stderr.write(`kiln runner: ${line}\n`)
      yield* checkReachable(o.cluster)
      return yield* Layer.launch(runnerLayer({ url: o.cluster, runs, threads, log })).pipe(
        Effect.mapError((e) => new RunError({ message: `kiln runner: the cluster at ${redactUrl(o.cluster)}: ${e.message}`, cause: e }))
      )
    })
).pipe(Command.withDescription("serve sweep runs of a Postgres cluster until stopped (kiln sweep --cluster submits them)"))

/** What a local sweep has that a cluster sweep does not: the runners decide where, how many and on how many threads. */
export interface LocalOnly {
  readonly db: Option.Option<string>
  readonly shard: Option.Option<string>
  readonly workers: Option.Option<number>
  readonly threads: number
}

const refuseLocalFlags = (file: string, local: LocalOnly): void => {
  const refuse = (flag: string, why: string) => {
    throw new InputError({ file, path: flag, message: `not with --cluster: ${why}` })
  }
  if (Option.isSome(local.db)) refuse("--db", "results stay in Postgres; --collect FILE copies them into a DuckDB file")
  if (Option.isSome(local.shard)) refuse("--shard", "the cluster spreads the runs over its runners itself")
  if (Option.isSome(local.workers) || local.threads !== 1) refuse(Option.isSome(local.workers) ? "--workers" : "--threads", "give it to `kiln runner`")
}

/**
 * `kiln sweep <experiment> --cluster URL [--collect DB]`: submits the runs without an outcome, shows the same progress
 * bar as a local sweep, and collects. Exit code 1 when runs failed (they are stored, and collected, as failed).
 */
export const clusterSweep = (
  design: Design,
  o: { url: string; collect: string | undefined; quiet: boolean; local: LocalOnly; bar: { update: (p: SweepProgress) => void; finish: () => void } }
): Effect.Effect<void, InputError | RunError> =>
  Effect.gen(function* () {
    yield* loadInput(() => refuseLocalFlags(design.experiment.file, o.local))
    if (o.collect !== undefined) yield* checkCollectStore(design, o.collect)
    const warn = (m: string) => void process.stderr.write(`kiln sweep: ${m}\n`)
    const s = yield* runClusterSweep(design, {
      url: o.url, onProgress: o.bar.update, onWarning: warn, ...(o.collect !== undefined ? { beside: o.collect } : {})
    })
    o.bar.finish()
    const collected = o.collect === undefined ? undefined : yield* collectOutcomes(design, o.url, o.collect)
    const name = design.experiment.spec.name
    if (!o.quiet) {
      process.stdout.write(
        `${name}: ${s.finished} runs in ${s.seconds.toFixed(1)} s (${s.runsPerSecond.toFixed(2)} runs/s on the cluster)` +
          `${s.skipped > 0 ? `, ${s.skipped} already done` : ""}; ${s.failed} failed; ${design.runs.length} runs in the design; ` +
          (collected === undefined ? `results in kiln_outcomes at ${redactUrl(o.url)}\n` : `${collected} runs collected into ${o.collect}\n`)
      )
      for (const f of s.failures.slice(0, 5)) process.stdout.write(`  failed ${f.runId}: ${f.error.split("\n")[0]}\n`)
    }
    if (s.failed > 0) {
      return yield* Effect.fail(new RunError({ message: `kiln: ${s.failed} of ${design.runs.length} runs failed; the others are stored` }))
    }
  })

/** `--collect` alone has nothing to collect from. */
export const checkCollect = (file: string, cluster: Option.Option<string>, collect: Option.Option<string>): void => {
  if (Option.isSome(collect) && Option.isNone(cluster)) {
    throw new InputError({ file, path: "--collect", message: "collects the results of a cluster sweep: give --cluster URL too" })
  }
}
