// Where runners leave their results: the Postgres table kiln_outcomes, one row per (experiment, run id), written
// once (delivery is at least once, so a redelivered run finds its row and is not stepped again). The outcome is
// kept as V8's structured serialization — what a worker thread posts — so metrics come back bit for bit (NaN, -0).
import { serialize, deserialize } from "node:v8"
import { Effect } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { KILN_VERSION } from "../../version.js"
import type { RunOutcome } from "../run.js"

/** A stored outcome as the sweep that follows progress sees it. */
export interface OutcomeStatus {
  readonly seq: number
  readonly runId: string
  readonly status: "done" | "failed"
  readonly error: string | null
  readonly kilnVersion: string
}

export interface StoredOutcome {
  readonly seq: number
  readonly outcome: RunOutcome
}

/** Creates kiln_outcomes once; the advisory lock keeps runners that start together from racing on it. */
export const ensureOutcomesTable: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.withTransaction(Effect.gen(function* () {
    yield* sql`SELECT pg_advisory_xact_lock(hashtext('kiln_outcomes'))`
    yield* sql`CREATE TABLE IF NOT EXISTS kiln_outcomes (
      experiment TEXT NOT NULL,
      run_id TEXT NOT NULL,
      seq BIGSERIAL,
      status TEXT NOT NULL,
      error TEXT,
      runner TEXT NOT NULL,
      kiln_version TEXT NOT NULL,
      written TIMESTAMPTZ NOT NULL DEFAULT now(),
      outcome BYTEA NOT NULL,
      PRIMARY KEY (experiment, run_id))`
  }))
})

/** Whether the run already has its outcome (then a redelivered message has nothing left to do). */
export const hasOutcome = (experiment: string, runId: string): Effect.Effect<boolean, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`SELECT 1 FROM kiln_outcomes WHERE experiment = ${experiment} AND run_id = ${runId}`
    return rows.length > 0
  })

/** Writes a run's outcome unless one is there: the first writer wins, so every run is stored exactly once. */
export const writeOutcome = (experiment: string, outcome: RunOutcome, runner: string): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO kiln_outcomes (experiment, run_id, status, error, runner, kiln_version, outcome)
      VALUES (${experiment}, ${outcome.runId}, ${outcome.status}, ${outcome.error ?? null}, ${runner}, ${KILN_VERSION}, ${serialize(outcome)})
      ON CONFLICT (experiment, run_id) DO NOTHING`
  })

/** How many runs of an experiment have their outcome stored. */
export const countOutcomes = (experiment: string): Effect.Effect<number, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ n: bigint }>`SELECT count(*) AS n FROM kiln_outcomes WHERE experiment = ${experiment}`
    return Number(row.n)
  })

/**
 * The outcomes of an experiment numbered after `seq`, oldest first, without their rows. Numbers are taken before
 * commit, so a row may become visible after higher-numbered ones: count the outcomes to know when to look again.
 */
export const outcomesSince = (experiment: string, seq: number): Effect.Effect<OutcomeStatus[], SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ seq: bigint; run_id: string; status: "done" | "failed"; error: string | null; kiln_version: string }>`
      SELECT seq, run_id, status, error, kiln_version FROM kiln_outcomes
      WHERE experiment = ${experiment} AND seq > ${seq} ORDER BY seq`
    return rows.map((r) => ({ seq: Number(r.seq), runId: r.run_id, status: r.status, error: r.error, kilnVersion: r.kiln_version }))
  })

/** Up to `limit` whole outcomes of an experiment written after `seq`, oldest first: collection reads them in pages. */
export const readOutcomes = (experiment: string, seq: number, limit: number): Effect.Effect<StoredOutcome[], SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ seq: bigint; outcome: Uint8Array }>`
      SELECT seq, outcome FROM kiln_outcomes WHERE experiment = ${experiment} AND seq > ${seq} ORDER BY seq LIMIT ${limit}`
    return rows.map((r) => ({ seq: Number(r.seq), outcome: deserialize(r.outcome) as RunOutcome }))
  })
