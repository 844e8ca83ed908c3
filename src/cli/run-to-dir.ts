// One run of a prepared world into a run directory, as `kiln run`, `kiln resume` and `kiln fork` do it: progress,
// optional frames for the viewer, optional checkpoints into the run's own directory, and the outputs written
// atomically at the end (the checkpoints kept beside them).
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { InputError } from "../errors.js"
import { planRunDir, type RunDirOptions } from "../io/output-dir.js"
import { runningManifest, writeRun } from "../io/run-dir.js"
import type { World } from "../model/world.js"
import { CHECKPOINT_FILE, CHECKPOINTS_DIR } from "../run/checkpoint.js"
import { stoppedEarly, type LoopPosition } from "../run/loop.js"
import { Scheduler } from "../run/scheduler.js"
import { runWorld } from "../run/simulation.js"
import type { StopRule } from "../run/stop-rules.js"
import { viewerOutputs } from "../serve/index.js"
import { loadInput } from "./errors.js"
import { progressBar } from "./progress.js"

export interface RunToDir {
  readonly world: World
  readonly threads: number
  readonly stop: ReadonlyArray<StopRule>
  readonly out: string
  readonly target: RunDirOptions
  /** the progress bar's label */
  readonly label: string
  readonly quiet: boolean
  readonly frames: boolean
  /** write graph.json whatever the graph's size */
  readonly graphJson?: boolean
  /** continue from a checkpoint's position (resume, fork) */
  readonly from?: LoopPosition
  /** write a checkpoint every `every` ticks into the run directory (`keep`: every one, for forks) */
  readonly checkpoint?: { readonly every: number; readonly keep: boolean }
  /** more manifest fields */
  readonly notes?: Readonly<Record<string, unknown>>
}

export const runToDir = (o: RunToDir) =>
  Effect.gen(function* () {
    const { world } = o
    if (o.checkpoint && o.frames) {
      return yield* Effect.fail(new InputError({
        file: world.file, path: "--frames",
        message: "cannot be combined with checkpoints yet: the frames recorded before a checkpoint are not in it; run without --frames and replay the run with --frames afterwards"
      }))
    }
    const plan = yield* loadInput(() => planRunDir(o.out, o.target))
    if (plan.note) process.stderr.write(plan.note + "\n")
    const started = new Date()
    const notes = { ...o.notes, ...(o.checkpoint ? { checkpoint: o.checkpoint, stop: o.stop } : {}) }
    const checkpoint = o.checkpoint && { ...o.checkpoint, dir: plan.dir }
    // Checkpoints live in the run's own directory from the start, beside a manifest that says the run is under way.
    if (checkpoint) {
      yield* loadInput(() => {
        mkdirSync(plan.dir, { recursive: true })
        writeFileSync(join(plan.dir, "manifest.json"), JSON.stringify(runningManifest(world, o.threads, started, notes), null, 2) + "\n")
      })
    }
    const bar = progressBar(o.label, process.stderr, o.quiet)
    const viewer = o.frames ? viewerOutputs(world) : undefined
    const result = yield* runWorld(world, { onTick: bar.update, onRecord: viewer?.onRecord, stop: o.stop, checkpoint }, o.from).pipe(
      Effect.provide(Scheduler.workerPool(o.threads))
    )
    bar.finish()
    const stopped = stoppedEarly(result)
    const carry = [CHECKPOINT_FILE, CHECKPOINTS_DIR].filter((name) => existsSync(join(plan.dir, name)))
    const dir = yield* writeRun(
      {
        world, metrics: result.metrics, perAgent: result.perAgent, started, finished: new Date(), workers: o.threads, stopped,
        carry, notes, ...(o.graphJson ? { graphJson: true } : {}), ...(viewer ? yield* viewer.outputs : {})
      },
      plan.dir,
      checkpoint ? { overwrite: true } : o.target
    )
    return { dir, result, stopped, started }
  })
