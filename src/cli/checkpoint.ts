// Checkpoints from the command line: `kiln run --checkpoint-every N`, `kiln resume <rundir>` and
// `kiln fork <rundir|checkpoint> --at TICK --set … [--seed S]` (docs/CHECKPOINTS.md).
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { availableParallelism } from "node:os"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { InputError } from "../errors.js"
import { defaultRunDir } from "../io/run-dir.js"
import { CHECKPOINT_FILE, checkpointsIn, readCheckpoint, type Checkpoint } from "../run/checkpoint.js"
import { worldFromCheckpoint } from "../run/resume.js"
import { usefulThreads } from "../run/scheduler.js"
import type { StopRule } from "../run/stop-rules.js"
import { loadInput, loadInputAsync } from "./errors.js"
import { runToDir } from "./run-to-dir.js"
import { runDirFlags } from "./serve.js"

export const checkpointFlags = {
  checkpointEvery: Flag.Int("checkpoint-every").pipe(
    Flag.optional,
    Flag.withDescription("write a checkpoint of the whole state every N ticks into the run directory (checkpoint.kiln), from which `kiln resume` continues an interrupted run and `kiln fork` branches")
  ),
  keepCheckpoints: Flag.Boolean("keep-checkpoints").pipe(
    Flag.withDefault(false),
    Flag.withDescription("keep every checkpoint (checkpoints/tick-<t>.kiln), not only the latest, so the run can be forked at any of them")
  )
}

/** `--checkpoint-every` and `--keep-checkpoints` as the run's checkpoint option; the flags checked. */
export const checkpointOption = (
  o: { checkpointEvery: Option.Option<number>; keepCheckpoints: boolean }, file: string
): { every: number; keep: boolean } | undefined => {
  if (Option.isNone(o.checkpointEvery)) {
    if (o.keepCheckpoints) throw new InputError({ file, path: "--keep-checkpoints", message: "needs --checkpoint-every N" })
    return undefined
  }
  const every = o.checkpointEvery.value
  if (!Number.isInteger(every) || every < 1) throw new InputError({ file, path: "--checkpoint-every", message: `expected an integer >= 1, got ${every}` })
  return { every, keep: o.keepCheckpoints }
}

const workersFlag = Flag.Int("workers").pipe(
  Flag.optional,
  Flag.withDescription("threads stepping the run (default: cores; results are identical for any number)")
)
const quietFlag = Flag.Boolean("quiet").pipe(Flag.withDefault(false), Flag.withDescription("no progress or summary"))

const threadsFor = (workers: Option.Option<number>, n: number) =>
  usefulThreads(Option.getOrElse(workers, () => availableParallelism()), n).threads

/** The manifest of a run directory that `kiln resume` can continue. */
interface RunningManifest {
  readonly status: string
  readonly scenario: unknown
  readonly checkpoint?: { every: number; keep: boolean }
  readonly stop?: StopRule[]
}

const runningRun = (dir: string): { manifest: RunningManifest; checkpoint: Checkpoint; path: string } => {
  const fail = (message: string): never => {
    throw new InputError({ file: dir, path: "", message })
  }
  const manifestPath = join(dir, "manifest.json")
  if (!existsSync(manifestPath)) fail("not a Kiln run directory (no manifest.json)")
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as RunningManifest
  if (manifest.status === "complete") fail("holds a complete run: nothing to resume (`kiln fork` branches it from a checkpoint)")
  if (manifest.checkpoint === undefined) fail("was not run with --checkpoint-every: it has no checkpoints to resume from")
  const path = join(dir, CHECKPOINT_FILE)
  if (!existsSync(path)) fail("stopped before its first checkpoint: run it again")
  const checkpoint = readCheckpoint(path)
  if (JSON.stringify(checkpoint.scenario) !== JSON.stringify(manifest.scenario)) {
    fail(`${CHECKPOINT_FILE} is of another scenario than this run's manifest: it cannot continue this run`)
  }
  return { manifest, checkpoint, path }
}

const resume = Command.make(
  "resume",
  {
    dir: Argument.String("rundir").pipe(Argument.withDescription("the directory of a run interrupted after a checkpoint")),
    workers: workersFlag,
    quiet: quietFlag
  },
  (o) =>
    Effect.gen(function* () {
      const { manifest, checkpoint, path } = yield* loadInput(() => runningRun(o.dir))
      const threads = threadsFor(o.workers, checkpoint.groupOf.length)
      const world = yield* loadInputAsync(() => worldFromCheckpoint(checkpoint, { path, shared: threads > 1 }))
      const done = yield* runToDir({
        world, threads, stop: manifest.stop ?? [], out: o.dir, target: { overwrite: true },
        label: `${world.scenario.name} from tick ${checkpoint.tick}`, quiet: o.quiet, frames: false,
        from: checkpoint, ...(manifest.checkpoint ? { checkpoint: manifest.checkpoint } : {})
      })
      if (!o.quiet) process.stdout.write(`${world.scenario.name}: resumed at tick ${checkpoint.tick}; outputs in ${done.dir}\n`)
    })
).pipe(Command.withDescription("continue a run interrupted after a checkpoint; its outputs equal an uninterrupted run's"))

/** The checkpoint a fork starts from: a file, or a run directory's checkpoint at `--at` (default: its latest). */
const forkSource = (source: string, at: number | undefined): { checkpoint: Checkpoint; path: string } => {
  if (existsSync(source) && statSync(source).isDirectory()) {
    const kept = checkpointsIn(source)
    if (kept.size === 0) throw new InputError({ file: source, path: "", message: "has no checkpoints (run it with --checkpoint-every N --keep-checkpoints)" })
    const ticks = [...kept.keys()].sort((a, b) => a - b)
    const tick = at ?? ticks[ticks.length - 1]
    const path = kept.get(tick)
    if (path === undefined) {
      throw new InputError({ file: source, path: "--at", message: `no checkpoint at tick ${tick}; it has checkpoints at ${ticks.join(", ")}` })
    }
    return { checkpoint: readCheckpoint(path), path }
  }
  const checkpoint = readCheckpoint(source)
  if (at !== undefined && at !== checkpoint.tick) {
    throw new InputError({ file: source, path: "--at", message: `this checkpoint is at tick ${checkpoint.tick}, not ${at}` })
  }
  return { checkpoint, path: source }
}

const fork = Command.make(
  "fork",
  {
    source: Argument.String("source").pipe(Argument.withDescription("a run directory with checkpoints, or a checkpoint file")),
    at: Flag.Int("at").pipe(Flag.optional, Flag.withDescription("the checkpoint's tick (default: the latest)")),
    set: Flag.String("set").pipe(
      Flag.atLeast(0),
      Flag.withDescription("change a scenario field from the fork's tick on: --set path.to.field=value (repeatable; not the graph, beliefs, groups, memes or plugin modules)")
    ),
    seed: Flag.Int("seed").pipe(Flag.optional, Flag.withDescription("new random streams for the agents from the fork's tick (a replicate of the branch)")),
    ...runDirFlags(),
    workers: workersFlag,
    quiet: quietFlag,
    ...checkpointFlags
  },
  (o) =>
    Effect.gen(function* () {
      const at = Option.getOrUndefined(o.at)
      const seed = Option.getOrUndefined(o.seed)
      const { checkpoint, path } = yield* loadInput(() => forkSource(o.source, at))
      const threads = threadsFor(o.workers, checkpoint.groupOf.length)
      const world = yield* loadInputAsync(() =>
        worldFromCheckpoint(checkpoint, { path, set: o.set, shared: threads > 1, ...(seed !== undefined ? { seed } : {}) })
      )
      const cp = yield* loadInput(() => checkpointOption(o, path))
      const out = Option.getOrElse(o.out, () => `${defaultRunDir(world)}-fork${checkpoint.tick}`)
      const done = yield* runToDir({
        world, threads, stop: [], out, target: { overwrite: o.overwrite, beside: Option.isNone(o.out) },
        label: `${world.scenario.name} fork at ${checkpoint.tick}`, quiet: o.quiet, frames: false, from: checkpoint,
        notes: { forkedFrom: { checkpoint: path, tick: checkpoint.tick, set: o.set, ...(seed !== undefined ? { seed } : {}) } },
        ...(cp ? { checkpoint: cp } : {})
      })
      if (!o.quiet) process.stdout.write(`${world.scenario.name}: forked at tick ${checkpoint.tick}; outputs in ${done.dir}\n`)
    })
).pipe(Command.withDescription("branch a run from a checkpoint with changed parameters or interventions, or a new seed"))

export const checkpointCommands = [resume, fork] as const
