// A cluster runner: serves the SweepRun entities of the shards it holds. Each run is stepped on one of its worker
// threads (never on the event loop, which keeps the shard locks alive) and its outcome written to kiln_outcomes.
import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import { workerLanes, type Lanes } from "../pool.js"
import type { RunJob } from "../run.js"
import { clusterLayer, rootMessage, runnerAddress } from "./connection.js"
import { SweepRun } from "./entity.js"
import { ensureOutcomesTable, hasOutcome, writeOutcome } from "./outcomes.js"

export interface RunnerOptions {
  /** the Postgres URL of the cluster */
  readonly url: string
  /** runs stepped at once: worker threads */
  readonly runs: number
  /** threads stepping each run; results are identical for any number */
  readonly threads: number
  /** one line per event (start, each run) */
  readonly log: (line: string) => void
}

/**
 * Retries a Postgres statement every second until it succeeds: while Postgres restarts the run's result waits in
 * memory. Should this runner lose its shard meanwhile, the entity is interrupted and the run goes to the new owner.
 */
const persistently = (what: string, log: RunnerOptions["log"]) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, never, R> => {
  const retry = (e: E): Effect.Effect<A, never, R> =>
    Effect.sync(() => log(`${what}: ${rootMessage(e)}; retrying every second`)).pipe(Effect.andThen(again))
  const again: Effect.Effect<A, never, R> = Effect.sleep("1 second").pipe(Effect.andThen(effect), Effect.catch(() => again))
  return effect.pipe(Effect.catch(retry))
}

/** One delivery of a run: stepped unless its outcome is already stored (an earlier delivery finished it). */
const serveRun = (lanes: Lanes, o: RunnerOptions, runner: string) =>
  ({ experiment, job }: { experiment: string; job: unknown }): Effect.Effect<void, never, SqlClient.SqlClient> =>
    Effect.gen(function* () {
      const run = job as RunJob
      if (yield* persistently(`checking ${run.runId}`, o.log)(hasOutcome(experiment, run.runId))) return
      const outcome = yield* lanes.run({ ...run, threads: o.threads })
      yield* persistently(`storing ${run.runId}`, o.log)(writeOutcome(experiment, outcome, runner))
      const seconds = ((outcome.finished - outcome.started) / 1000).toFixed(2)
      o.log(`${run.runId} ${outcome.status} in ${seconds} s${outcome.error ? `: ${outcome.error.split("\n")[0]}` : ""}`)
    })

/**
 * The runner as a layer: launched, it serves until interrupted, then hands its shards back. The worker threads are
 * made once, here: an entity's handlers are built anew for every run.
 */
export const runnerLayer = (o: RunnerOptions) => {
  const address = runnerAddress()
  const name = `${address.host}:${address.port}`
  const entity = Layer.unwrap(
    Effect.gen(function* () {
      yield* persistently("creating kiln_outcomes", o.log)(ensureOutcomesTable)
      const lanes = yield* workerLanes(o.runs)
      o.log(`${name} serving sweep runs on ${o.runs} worker${o.runs === 1 ? "" : "s"} × ${o.threads} thread${o.threads === 1 ? "" : "s"}`)
      return SweepRun.toLayer(SweepRun.of({ run: ({ payload }) => serveRun(lanes, o, name)(payload) }))
    })
  )
  return entity.pipe(Layer.provide(clusterLayer(o.url, o.log, address)))
}
