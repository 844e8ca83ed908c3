// How a Kiln process joins a cluster: a Postgres pool, effect/cluster's message and runner storage in it, and the
// sharding settings. Runners never talk to each other: a message is saved in Postgres and the runner holding its
// shard reads it there (Runners.layerNoop, as effect's SingleRunner), so runners need only reach Postgres — no
// listening port, no peer addresses. A dead runner stops heartbeating; once its registration expires
// (shardLockExpiration) the others take its shards and read its unprocessed messages.
import { hostname } from "node:os"
import { Cause, ConfigProvider, Effect, Layer, Logger, Option, Redacted } from "effect"
import { RunnerAddress, RunnerHealth, Runners, Sharding, ShardingConfig, SqlMessageStorage, SqlRunnerStorage } from "effect/cluster"
import * as Digest from "effect/crypto/Digest"
import { SqlClient } from "effect/sql"
import { PgClient } from "@effect/sql-pg"
import { RunError } from "../../errors.js"

/** Kiln's defaults where effect's do not fit sweeps: runners look for new messages every second, not every 10 s. */
const kilnDefaults = { entityMessagePollInterval: "1 second" }

/**
 * effect/cluster's settings (ShardingConfig), each from a KILN_CLUSTER_* variable if set — e.g.
 * KILN_CLUSTER_SHARDS_PER_GROUP=300, KILN_CLUSTER_SHARD_LOCK_EXPIRATION="35 seconds" — else Kiln's or effect's default.
 */
const settingsProvider = ConfigProvider.orElse(
  ConfigProvider.fromEnv().pipe(ConfigProvider.constantCase, ConfigProvider.nested("KILN_CLUSTER")),
  ConfigProvider.fromUnknown(kilnDefaults)
)

const settings = (runner: RunnerAddress.RunnerAddress | undefined) =>
  Layer.effect(ShardingConfig.ShardingConfig)(
    ShardingConfig.config.pipe(
      Effect.map((c) => ({ ...c, runnerAddress: Option.fromUndefinedOr(runner), runnerListenAddress: Option.none() })),
      Effect.provideService(ConfigProvider.ConfigProvider, settingsProvider)
    )
  )

/**
 * This process's name among the runners: host and process id. Runners listen on nothing, so the address only
 * names the runner in effect's runner table (and in kiln_outcomes.runner).
 */
export const runnerAddress = (): RunnerAddress.RunnerAddress => RunnerAddress.make(hostname(), process.pid)

/** A Postgres URL with its password hidden, for messages and logs. */
export const redactUrl = (url: string): string => {
  try {
    const u = new URL(url)
    if (u.password !== "") u.password = "***"
    return u.toString()
  } catch {
    return "<the --cluster URL>"
  }
}

/**
 * The Postgres pool every cluster service of this process shares: 5 connections (one of them holds the shard
 * locks), so a hundred runners fit in max_connections = 600.
 */
export const postgres = (url: string) => PgClient.layer({ url: Redacted.make(url), applicationName: "kiln", maxConnections: 5 })

/** The innermost cause's message: "connect ECONNREFUSED 127.0.0.1:5432" rather than "Failed to connect". */
export const rootMessage = (e: unknown): string => {
  let at = e
  while (at instanceof Error && at.cause instanceof Error) at = at.cause
  return at instanceof Error ? at.message : String(at)
}

/** Fails with a readable RunError unless Postgres answers (effect's storage layers would die with a stack trace). */
export const checkReachable = (url: string): Effect.Effect<void, RunError> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT 1`
  }).pipe(
    Effect.provide(postgres(url)),
    Effect.mapError((e) => new RunError({ message: `kiln: cannot reach the cluster's Postgres at ${redactUrl(url)}: ${rootMessage(e)}`, cause: e }))
  )

/**
 * effect's own log lines (storage unreachable, shards moved) as one line each through `log`: the level, the
 * message and the innermost cause, without stack traces, so a runner's journal stays readable.
 */
const oneLineLogger = (log: (line: string) => void) =>
  Logger.make(({ message, logLevel, cause }) => {
    const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    log(`${logLevel.toLowerCase()}: ${text}${cause.reasons.length > 0 ? `: ${rootMessage(Cause.squash(cause))}` : ""}`)
  })

/**
 * Sharding on Postgres: a runner (with its address) takes shards and serves their entities; without one the process
 * only sends messages (`kiln sweep --cluster`). Provides Sharding, the runner storage and the SQL client; effect's
 * log lines go to `log`.
 */
export const clusterLayer = (url: string, log: (line: string) => void, runner?: RunnerAddress.RunnerAddress) =>
  Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(SqlMessageStorage.layer),
    Layer.provideMerge(Layer.orDie(SqlRunnerStorage.layer)),
    Layer.provide(RunnerHealth.layerNoop),
    Layer.provide(settings(runner)),
    Layer.provide(Digest.layerWebCrypto),
    Layer.provideMerge(postgres(url)),
    Layer.provide(Logger.layer([oneLineLogger(log)]))
  )
