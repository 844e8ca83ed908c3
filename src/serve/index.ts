// `kiln serve` and `kiln run --serve` as Effects: show a finished run, or run a scenario live and show it.
// The server is a scoped resource: interrupting (Ctrl-C) closes it and stops a live run between ticks.
import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect, type Scope } from "effect"
import { InputError, RunError } from "../errors.js"
import { FrameRecorder } from "../io/frames.js"
import { computeLayout } from "../io/layout.js"
import { worldColumns } from "../model/engine.js"
import { defaultRunDir } from "../io/run-dir.js"
import { planRunDir } from "../io/output-dir.js"
import { Scheduler } from "../run/scheduler.js"
import type { TickSummary } from "../run/simulation.js"
import type { World } from "../model/world.js"
import { LiveHub, runLive, type LiveOptions } from "./live.js"
import { AGGREGATE_ABOVE, openAggregate } from "./aggregate.js"
import { ensureLayout, readRunInfo } from "./run-dir.js"
import { defaultViewerDir, isWildcard, startServer, type RunningServer, type Source } from "./server.js"

export interface ServeOptions {
  readonly host?: string
  readonly port?: number
  /** the built viewer (default viz/dist of this package) */
  readonly viewer?: string
  /** where progress lines go (default stderr) and the URL (default stdout) */
  readonly log?: (line: string) => void
  readonly announce?: (url: string) => void
}

/**
 * Live mode lays out and draws every agent and keeps every frame in memory: above this many agents it refuses, and
 * says to run the scenario, then serve its run directory (shown as communities).
 */
export const LIVE_LIMIT = AGGREGATE_ABOVE

const say = (o: ServeOptions) => o.log ?? ((line: string) => void process.stderr.write(line + "\n"))

/**
 * Builds the viewer with Vite when viz/dist is missing (a fresh clone where `npm install` skipped `prepare`).
 * The message says what happens, since it takes a few seconds.
 */
export const ensureViewer = (dir: string, log: (line: string) => void): Effect.Effect<void, RunError> =>
  Effect.tryPromise({
    try: async () => {
      if (existsSync(join(dir, "index.html"))) return
      const root = resolve(dir, "..")
      if (!existsSync(join(root, "vite.config.ts"))) throw new Error(`${dir} is missing and there is no viewer source next to it`)
      log(`kiln serve: the viewer is not built yet (${dir} is missing); building it now with Vite (npm run build:viz)…`)
      const vite = await import("vite").catch(() => {
        throw new Error("Vite is not installed; run `npm install`, then `npm run build:viz`")
      })
      await vite.build({ configFile: join(root, "vite.config.ts"), logLevel: "warn" })
      log("kiln serve: viewer built.")
    },
    catch: (cause) => new RunError({ message: `kiln serve: could not build the viewer: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
  })

const listen = (source: Source, o: ServeOptions): Effect.Effect<RunningServer, RunError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startServer({ source, host: o.host, port: o.port, viewer: o.viewer }),
      catch: (cause) =>
        new RunError({
          message: `kiln serve: could not listen on ${o.host ?? "127.0.0.1"}:${o.port ?? "default port"}: ${String(cause)}` +
            ((cause as { code?: string }).code === "EADDRINUSE" ? " (the port is taken; pass --port <other> or --port 0)" : ""),
          cause
        })
    }),
    (server) => Effect.promise(() => server.close())
  ).pipe(
    Effect.tap((server) =>
      Effect.sync(() => {
        ;(o.announce ?? ((url: string) => void process.stdout.write(`Kiln viewer: ${url}\n`)))(server.url)
        if (isWildcard(o.host ?? "")) warnExposed(server, o.host!)
      })
    )
  )

/** Bound to every interface, the run is readable by anyone who can reach this machine: say so, and where. */
const warnExposed = (server: RunningServer, host: string) =>
  process.stderr.write(
    `kiln serve: warning: --host ${host} makes this run visible to the network (anyone who can reach this machine can ` +
      `watch it and read its files). Reachable at:\n${server.urls.map((u) => `  ${u}`).join("\n")}\n`
  )

/** Serves a finished run directory until interrupted (computing and caching its layout first if needed). */
export const serveRun = (dir: string, o: ServeOptions = {}): Effect.Effect<never, RunError | InputError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const log = say(o)
      const info = yield* Effect.try({ try: () => readRunInfo(dir), catch: (e) => e as InputError })
      const viewer = o.viewer ?? defaultViewerDir()
      yield* ensureViewer(viewer, log)
      // Large runs (or runs without graph.json) are shown as communities: computed once, cached in the directory.
      const aggregate = info.view === "aggregate"
        ? yield* Effect.tryPromise({
          try: () => openAggregate(dir, info, log),
          catch: (cause) => cause instanceof InputError ? cause
            : new RunError({ message: `kiln serve: could not group ${dir} into communities: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
        })
        : undefined
      if (aggregate === undefined) {
        yield* Effect.tryPromise({
          try: () => ensureLayout(dir, info.seed, log),
          catch: (cause) => new RunError({ message: `kiln serve: could not lay out ${dir}/graph.json: ${String(cause)}`, cause })
        })
      }
      yield* listen({ kind: "run", dir: resolve(dir), info, aggregate }, { ...o, viewer })
      return yield* Effect.never
    })
  )

/**
 * Runs the world live while serving it; when the run is written the viewer switches to playback.
 * With `waitForViewer` the run starts when the first viewer opens the page, so nobody misses its start; a viewer
 * may ask for it to start over once it has ended (the same seed gives the same run, so it is not written again).
 * Keeps serving until interrupted unless `exitWhenDone`. Steps on `workers` threads (default 1), which need a world
 * built in shared memory when more than one.
 */
export const serveLive = (
  world: World,
  o: ServeOptions & LiveOptions & { readonly exitWhenDone?: boolean; readonly waitForViewer?: boolean } = {}
): Effect.Effect<string, RunError | InputError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const log = say(o)
      if (world.constants.n > LIVE_LIMIT) {
        return yield* Effect.fail(new InputError({
          file: world.file, path: "",
          message: `has ${world.constants.n.toLocaleString("en-US")} agents; the live view is limited to ${LIVE_LIMIT.toLocaleString("en-US")} ` +
            "(it lays out and draws every agent). Run it with `kiln run <scenario>`, then `kiln serve <run-dir>`, which shows large runs as communities with drill-down"
        }))
      }
      // The output directory is checked before the server starts, so a bad --out fails at once.
      const plan = yield* Effect.try({
        try: () => planRunDir(o.out ?? defaultRunDir(world), { overwrite: o.overwrite, beside: o.out === undefined }),
        catch: (e) => e as InputError
      })
      if (plan.note) log(plan.note)
      const viewer = o.viewer ?? defaultViewerDir()
      yield* ensureViewer(viewer, log)
      const hub = new LiveHub(world, worldColumns(world))
      hub.rate = o.rate ?? 0
      const server = yield* listen({ kind: "live", hub }, { ...o, viewer })
      if (o.waitForViewer) {
        log(`kiln serve: waiting for a viewer; the run starts when ${server.url} is opened (Ctrl-C to stop)`)
        yield* Effect.promise(() => hub.firstViewer)
      }
      log(`kiln serve: running ${world.scenario.name} live (${world.constants.n} agents, ${world.scenario.ticks} ticks` +
        (hub.rate ? `, ${hub.rate} ticks/s; the viewer changes the pace` : "") + ")")
      // The hub's rate is the pace from here on: viewers change it.
      const paced = { ...o, rate: undefined }
      const dir = yield* runLive(hub, paced)
      log(`kiln serve: run finished; outputs in ${dir}. The viewer now plays it back; Ctrl-C to stop.`)
      if (o.exitWhenDone) return dir
      const again = Effect.promise(() => hub.nextRestart()).pipe(
        Effect.andThen(Effect.sync(() => {
          hub.reset()
          log("kiln serve: a viewer restarted the run")
        })),
        Effect.andThen(runLive(hub, { ...paced, written: dir }))
      )
      return yield* Effect.forever(again)
    })
  ).pipe(Effect.provide(Scheduler.workerPool(o.workers ?? 1)))

/**
 * What `kiln run --frames` adds to a run: a frame per recorded tick and the layout (started now, in a worker
 * thread for large graphs, so it overlaps the run). Pass `onRecord` to the run and `outputs` to writeRun.
 */
export const viewerOutputs = (world: World) => {
  const frames = new FrameRecorder()
  const layout = computeLayout(world.graph, { seed: world.scenario.seed })
  layout.catch(() => undefined)
  return {
    onRecord: (r: TickSummary) => frames.record(world, r.tick),
    outputs: Effect.tryPromise({
      try: async () => ({ frames, layout: await layout }),
      catch: (cause) => new RunError({ message: `kiln run: the viewer layout failed: ${String(cause)}`, cause })
    })
  }
}
