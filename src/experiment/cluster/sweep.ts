// A sweep on a cluster: the design's runs submitted as persisted messages (one per run, keyed by experiment and run
// id), progress followed in kiln_outcomes, and the outcomes collected into the usual DuckDB store.
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"
import { RunnerStorage } from "effect/cluster"
import { InputError, RunError } from "../../errors.js"
import type { Design, PlannedRun } from "../design.js"
import { checkMeta, readMeta, Store } from "../store.js"
import { defaultDb, jobOf, type SweepProgress } from "../sweep.js"
import { ensureBurnIn } from "../fork.js"
import { checkReachable, clusterLayer, redactUrl } from "./connection.js"
import { runEntityId, SweepRun } from "./entity.js"
import { countOutcomes, ensureOutcomesTable, outcomesSince, readOutcomes, type OutcomeStatus } from "./outcomes.js"
import { KILN_VERSION } from "../../version.js"

export interface ClusterSweepOptions {
  /** the Postgres URL of the cluster */
  readonly url: string
  /** called whenever runs finish */
  readonly onProgress?: (p: SweepProgress) => void
  /** called with what is worth telling: no runner yet, Postgres unreachable (once per outage), runs of another Kiln version */
  readonly onWarning?: (message: string) => void
  /** a fork design's burn-in checkpoint goes beside this file (default: the experiment's default DB) */
  readonly beside?: string
}

export interface ClusterSweepSummary extends SweepProgress {
  readonly failures: ReadonlyArray<{ readonly runId: string; readonly error: string }>
}

/** Progress in the shape of a local sweep's: `skipped` are the runs whose outcome was stored before this sweep. */
const progressOf = (total: number, skipped: number, finished: number, failed: number, started: number): SweepProgress => {
  const seconds = (Date.now() - started) / 1000
  return { total, skipped, finished, failed, seconds, runsPerSecond: seconds > 0 ? finished / seconds : 0 }
}

/**
 * Sends every run without a stored outcome; a run already sent is the same message again, which storage ignores.
 * A fork design's runs carry the burn-in checkpoint's path: runners read it there (a shared filesystem).
 */
const submit = (design: Design, runs: ReadonlyArray<PlannedRun>, burnIn: string | undefined) =>
  Effect.gen(function* () {
    const client = yield* SweepRun.client
    const experiment = design.identity
    yield* Effect.forEach(
      runs,
      (run) => client(runEntityId(experiment, run.runId)).run({ experiment, job: jobOf(design, run, 1, burnIn) }, { discard: true }),
      { concurrency: 8, discard: true }
    )
  })

/**
 * The outcomes not yet in `stored`. Usually those numbered after the last seen; when the count says one was missed
 * (committed after a higher-numbered one), all of them. Null while Postgres is unreachable (restarting, say).
 */
const unseen = (experiment: string, stored: ReadonlyMap<string, OutcomeStatus>, seq: number) =>
  Effect.gen(function* () {
    const count = yield* countOutcomes(experiment)
    if (count === stored.size) return []
    const recent = yield* outcomesSince(experiment, seq)
    const all = stored.size + recent.length < count ? yield* outcomesSince(experiment, 0) : recent
    return all.filter((s) => !stored.has(s.runId))
  }).pipe(Effect.catch(() => Effect.succeed(null)))

/** The outcomes of the design's runs among those of its experiment (a design with fewer replicates has fewer). */
const ofDesign = (planned: ReadonlySet<string>, stored: ReadonlyMap<string, OutcomeStatus>) =>
  [...stored.values()].filter((s) => planned.has(s.runId))

const failuresOf = (outcomes: ReadonlyArray<OutcomeStatus>) =>
  outcomes.filter((s) => s.status === "failed").map((s) => ({ runId: s.runId, error: s.error ?? "" }))

/**
 * Reports progress as outcomes arrive until every run of the design has one. `stored` holds every outcome of the
 * experiment seen so far, and grows.
 */
const follow = (design: Design, stored: Map<string, OutcomeStatus>, o: ClusterSweepOptions, warn: (m: string) => void) =>
  Effect.gen(function* () {
    const planned = new Set(design.runs.map((r) => r.runId))
    const skipped = ofDesign(planned, stored).length
    const started = Date.now()
    const progress = () => {
      const done = ofDesign(planned, stored)
      return progressOf(planned.size, skipped, done.length - skipped, failuresOf(done).length, started)
    }
    let seq = [...stored.values()].reduce((m, s) => Math.max(m, s.seq), 0)
    let reachable = true
    o.onProgress?.(progress())
    while (ofDesign(planned, stored).length < planned.size) {
      yield* Effect.sleep("500 millis")
      const fresh = yield* unseen(design.identity, stored, seq)
      if (fresh === null && reachable) warn("Postgres does not answer; waiting for it")
      reachable = fresh !== null
      for (const s of fresh ?? []) stored.set(s.runId, s)
      seq = (fresh ?? []).reduce((m, s) => Math.max(m, s.seq), seq)
      if (fresh?.length) o.onProgress?.(progress())
    }
    return progress()
  })

/**
 * Submits the design's runs that have no outcome yet and follows them until every run of the design has one.
 * Runs stored as failed stay failed (their messages were processed); the summary lists them.
 */
export const runClusterSweep = (design: Design, o: ClusterSweepOptions): Effect.Effect<ClusterSweepSummary, InputError | RunError> =>
  Effect.gen(function* () {
    const warn = o.onWarning ?? (() => undefined)
    yield* ensureOutcomesTable
    const stored = new Map((yield* outcomesSince(design.identity, 0)).map((s) => [s.runId, s]))
    const todo = design.runs.filter((r) => !stored.has(r.runId))
    const burnIn = todo.length === 0 ? undefined : yield* Effect.tryPromise({
      try: () => ensureBurnIn(design, resolve(o.beside ?? defaultDb(design.experiment))),
      catch: (e) => (e instanceof InputError ? e : new RunError({ message: `kiln: the burn-in of ${design.experiment.file}: ${String(e)}`, cause: e }))
    })
    yield* submit(design, todo, burnIn)
    if (todo.length > 0 && (yield* (yield* RunnerStorage.RunnerStorage).getRunners).length === 0) {
      warn(`no runner serves this cluster yet; the runs wait in Postgres until one starts (kiln runner --cluster ${redactUrl(o.url)})`)
    }
    const progress = yield* follow(design, stored, o, warn)
    const outcomes = ofDesign(new Set(design.runs.map((r) => r.runId)), stored)
    const others = [...new Set(outcomes.map((s) => s.kilnVersion).filter((v) => v !== KILN_VERSION))]
    if (others.length > 0) warn(`some runs were stepped by Kiln ${others.join(", ")}, not ${KILN_VERSION}: use one version on every runner`)
    return { ...progress, failures: failuresOf(outcomes) }
  }).pipe(
    Effect.provide(clusterLayer(o.url, o.onWarning ?? (() => undefined))),
    Effect.mapError((e) => clusterError(o.url, e)),
    Effect.scoped,
    afterCheck(o.url)
  )

/** Refuses, before any run is sent, a store to collect into that is not this experiment's (InputError, exit code 2). */
export const checkCollectStore = (design: Design, db: string): Effect.Effect<void, InputError | RunError> =>
  existsSync(db)
    ? Effect.tryPromise({
      try: async () => void checkMeta(db, await readMeta(db), design.identity, design.experiment.spec.name),
      catch: (e) => storeError(db, e)
    })
    : Effect.void

/**
 * Copies the experiment's outcomes from Postgres into the DuckDB store `db` (created, or completed: runs it holds as
 * done are kept), through the same commit as a local sweep, so the tables are the ones a local sweep writes.
 * Returns the number of runs added.
 */
export const collectOutcomes = (design: Design, url: string, db: string): Effect.Effect<number, InputError | RunError> =>
  Effect.gen(function* () {
    const store = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => Store.open(db, design, true), catch: (e) => storeError(db, e) }),
      (s) => Effect.sync(() => s.close())
    )
    const done = yield* Effect.tryPromise({ try: () => store.doneRuns(), catch: (e) => storeError(db, e) })
    const byId = new Map(design.runs.map((r) => [r.runId, r]))
    let added = 0
    let seq = 0
    while (true) {
      const page = yield* readOutcomes(design.identity, seq, 100)
      if (page.length === 0) return added
      for (const { outcome } of page) {
        const run = byId.get(outcome.runId)
        if (run === undefined || done.has(run.runId)) continue
        yield* Effect.tryPromise({ try: () => store.commit(run, design.points[run.point], outcome), catch: (e) => storeError(db, e) })
        added++
      }
      seq = page[page.length - 1].seq
    }
  }).pipe(Effect.provide(clusterLayer(url, () => undefined)), Effect.mapError((e) => clusterError(url, e)), Effect.scoped, afterCheck(url))

/** Postgres is checked before effect's cluster layers are built: they would die with a stack trace instead. */
const afterCheck = (url: string) => <A, E>(effect: Effect.Effect<A, E>) => Effect.andThen(checkReachable(url), effect)

/** A store refused as another experiment's stays an InputError (exit code 2); anything else is a RunError. */
const storeError = (db: string, cause: unknown): InputError | RunError =>
  cause instanceof InputError || cause instanceof RunError
    ? cause
    : new RunError({ message: `kiln: ${db}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

const clusterError = (url: string, e: unknown): InputError | RunError =>
  e instanceof InputError || e instanceof RunError ? e : new RunError({ message: `kiln: the cluster at ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`, cause: e })
