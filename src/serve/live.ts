// Live mode: a run stepping in this process, published for the viewer as a stream of states (newest wins),
// the metrics so far, a snapshot of the node state, the laid-out graph and per-agent details. Viewers pace it
// (ticks per second) and may start it over once it has ended.
import { Effect } from "effect"
import { ReplaySubject, type Observable } from "rxjs"
import { RunError } from "../errors.js"
import { FrameRecorder } from "../io/frames.js"
import { toGraphology } from "../model/graph/graphology.js"
import { computeLayout } from "../io/layout.js"
import type { MetricsTable } from "../model/metrics.js"
import { defaultRunDir, writeRun } from "../io/run-dir.js"
import { runLoop, stoppedEarly } from "../run/loop.js"
import { Scheduler } from "../run/scheduler.js"
import type { StopRule } from "../run/stop-rules.js"
import { makeWorld, type World } from "../model/world.js"

export type LiveStatus = "running" | "writing" | "done" | "failed"

/** What every viewer is told after each recorded tick; each state supersedes the previous one. */
export interface LiveState {
  readonly status: LiveStatus
  readonly tick: number
  readonly ticks: number
  readonly metrics: Readonly<Record<string, number>>
  /** the run directory once written (served under /run/) */
  readonly dir?: string
  readonly error?: string
}

/** The scenario facts the viewer names things with. */
export const describeWorld = (w: World) => ({
  name: w.scenario.name,
  description: w.scenario.description ?? "",
  seed: w.scenario.seed,
  ticks: w.scenario.ticks,
  agents: w.constants.n,
  memes: w.scenario.memes.map((m) => m.name),
  groups: w.groupNames,
  beliefs: w.beliefs.map((b) => b.name),
  wMax: w.constants.wMax,
  energyMax: w.constants.energyMax,
  lineages: w.memeVariants !== undefined
})

/** Live mode's default pace: the default scenario's 300 ticks take a minute, long enough to watch memes spread. */
export const DEFAULT_LIVE_RATE = 5
/** The fastest pace a viewer may ask for, in ticks per second (0 asks for no limit). */
export const MAX_LIVE_RATE = 10_000

export class LiveHub {
  // ReplaySubject(1), not BehaviorSubject: a viewer that connects after the end still gets the final state.
  // Replaced when the run starts over, since the previous one has completed.
  private state$ = new ReplaySubject<LiveState>(1)
  private last: LiveState
  private readonly rows: Array<ReadonlyArray<number>> = []
  private latest: Uint8Array | undefined
  private current_: World
  frames = new FrameRecorder()
  /** ticks per second the run is paced at (0: as fast as the machine goes); viewers change it */
  rate = 0
  private joined: () => void = () => {}
  /** resolves when the first viewer opens the stream of states */
  readonly firstViewer = new Promise<void>((resolve) => (this.joined = resolve))
  private wake: (() => void) | undefined
  /** graph.json with layout positions; computed off the main thread for large graphs */
  readonly graphJson: Promise<string>
  readonly layout: Promise<Float32Array>

  constructor(
    world: World,
    readonly columns: ReadonlyArray<string>
  ) {
    this.current_ = world
    this.last = { status: "running", tick: 0, ticks: world.scenario.ticks, metrics: {} }
    this.state$.next(this.last)
    // In a worker for all but small graphs, so the server answers and the run starts while the layout is computed.
    this.layout = computeLayout(world.graph, { seed: world.scenario.seed, worker: world.constants.n > 1000 })
    this.graphJson = this.layout.then((xy) =>
      JSON.stringify(toGraphology(world.graph, (i) => ({ x: xy[2 * i], y: xy[2 * i + 1] })).export())
    )
    // Nobody may be waiting yet: keep a layout failure from being an unhandled rejection; requests still see it.
    this.graphJson.catch(() => undefined)
  }

  get world(): World {
    return this.current_
  }

  /** A viewer opened the stream of states. */
  viewerJoined(): void {
    this.joined()
  }

  /** Resolves when a viewer asks for the ended run to start over (see requestRestart). */
  nextRestart(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve))
  }

  /** Asks for the run to start over; false when nothing waits for that (the run has not ended). */
  requestRestart(): boolean {
    const wake = this.wake
    this.wake = undefined
    wake?.()
    return wake !== undefined
  }

  /**
   * Back to tick 0 with a fresh world: same scenario and graph, so the same layout and, for the seed, the same run;
   * in shared memory again when the first one was, so the same threads can step it; with the same plugins, whose
   * state is allocated and initialised afresh.
   */
  reset(): void {
    const w = this.current_
    this.current_ = makeWorld(w.scenario, w.graph, w.file, w.state.spins.buffer instanceof SharedArrayBuffer, w.plugins)
    this.rows.length = 0
    this.frames = new FrameRecorder()
    this.latest = undefined
    this.state$ = new ReplaySubject<LiveState>(1)
    this.publish({ status: "running", tick: 0, ticks: w.scenario.ticks, metrics: {} })
  }

  /** The newest state, then every later one; completes after "done" or "failed". */
  get states$(): Observable<LiveState> {
    return this.state$.asObservable()
  }

  get current(): LiveState {
    return this.last
  }

  private publish(s: LiveState): void {
    this.last = s
    this.state$.next(s)
  }

  /** Called on each recorded tick with the engine's metrics row and per-agent values. */
  push(row: ReadonlyArray<number>, perAgent: Float64Array): void {
    const tick = row[0]
    this.rows.push(row)
    this.frames.record(this.world, tick, perAgent)
    this.latest = undefined
    this.publish({
      status: "running",
      tick,
      ticks: this.world.scenario.ticks,
      metrics: Object.fromEntries(this.columns.map((c, k) => [c, row[k]]))
    })
  }

  finish(dir: string): void {
    this.publish({ ...this.last, status: "done", dir })
    this.state$.complete()
  }

  fail(error: string): void {
    this.publish({ ...this.last, status: "failed", error })
    this.state$.complete()
  }

  writing(): void {
    this.publish({ ...this.last, status: "writing" })
  }

  metrics(): MetricsTable {
    return { columns: this.columns, rows: this.rows }
  }

  /** A one-frame frames file of the newest recorded tick (encoded once per tick, on demand). */
  snapshot(): Uint8Array | undefined {
    if (this.latest === undefined && this.frames.count > 0) this.latest = this.frames.snapshot()
    return this.latest
  }

  /**
   * Agent i now: energy trace over the recorded ticks, beliefs, belief network (couplings) and, with meme
   * evolution, every variant it carries with its salience, founder (root) and ancestry (lineage ids from its parent to
   * the founder).
   */
  agent(i: number) {
    const { constants: c, state: s, memeVariants } = this.world
    if (!Number.isInteger(i) || i < 0 || i >= c.n) return undefined
    const trace = this.frames.trace(i)
    return {
      index: i,
      key: this.world.graph.keys[i],
      tick: this.current.tick,
      spins: Array.from(s.spins.subarray(i * c.B, (i + 1) * c.B)),
      couplings: Array.from(s.couplings.subarray(i * c.P, (i + 1) * c.P)),
      ticks: Array.from(trace.ticks),
      energy: Array.from(trace.energy),
      ...(memeVariants
        ? { variants: memeVariants.carried(i).map((v) => ({ ...v, root: memeVariants.lineage(v.id).root, ancestry: ancestry(memeVariants, v.id) })) }
        : {})
    }
  }
}

/** Lineage ids from `id`'s parent back to its founder. */
const ancestry = (v: NonNullable<World["memeVariants"]>, id: number): number[] => {
  const out: number[] = []
  for (let p = v.lineage(id).parent; p >= 0; p = v.lineage(p).parent) out.push(p)
  return out
}

export interface LiveOptions {
  /** at most this many ticks per second (0: as fast as the machine goes); sets the hub's rate */
  readonly rate?: number
  /** the directory an identical earlier run was written to: step again for the viewers, but do not write */
  readonly written?: string
  /** where to write the finished run (default runs/<name>-<seed>, or beside it when that holds an earlier run) */
  readonly out?: string
  /** replace an earlier Kiln run in `out` */
  readonly overwrite?: boolean
  /** threads stepping the run (default 1); more need a world built in shared memory */
  readonly workers?: number
  /** end the run at the first record where a rule holds */
  readonly stop?: ReadonlyArray<StopRule>
}

/**
 * Steps the world to the end on the Scheduler's threads, paced by the hub's rate and publishing each recorded tick
 * to the hub, then writes the run directory with frames and layout. Viewers never slow it down: publishing only
 * replaces the newest state.
 */
export const runLive = (hub: LiveHub, o: LiveOptions = {}): Effect.Effect<string, RunError, Scheduler> => {
  const started = new Date()
  if (o.rate !== undefined) hub.rate = o.rate
  const run = Effect.gen(function* () {
    const scheduler = yield* Scheduler
    const stepper = yield* scheduler.stepper(hub.world)
    // The hub is the pace: its rate is read before every tick, so a viewer's change applies at once.
    const result = yield* runLoop(stepper, { stop: o.stop, pace: hub, onRecord: (_, row) => hub.push(row, stepper.perAgent) })
    if (o.written !== undefined) {
      hub.finish(o.written)
      return o.written
    }
    hub.writing()
    const layout = yield* Effect.tryPromise({
      try: () => hub.layout,
      catch: (cause) => new RunError({ message: `kiln serve: the layout failed: ${String(cause)}`, cause })
    })
    const dir = yield* writeRun(
      { world: hub.world, metrics: hub.metrics(), perAgent: stepper.perAgent, started, finished: new Date(),
        workers: scheduler.threads, frames: hub.frames, layout, stopped: stoppedEarly(result) },
      o.out ?? defaultRunDir(hub.world),
      { overwrite: o.overwrite, beside: o.out === undefined }
    )
    hub.finish(dir)
    return dir
  }).pipe(Effect.scoped)
  return run.pipe(Effect.tapError((e) => Effect.sync(() => hub.fail(e.message))))
}
