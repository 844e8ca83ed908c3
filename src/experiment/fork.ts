// Fork designs (docs/CHECKPOINTS.md): one burn-in run of the base scenario to `fork.at`, its checkpoint written
// beside the experiment's DB, and every run of the design continuing it with its point's overrides and its seed —
// the burn-in's ticks are computed once, not once per run.
import { existsSync, mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { Effect } from "effect"
import { InputError } from "../errors.js"
import { Engine } from "../model/engine.js"
import { captureCheckpoint, encodeCheckpoint, type Checkpoint } from "../run/checkpoint.js"
import { runLoop } from "../run/loop.js"
import { prepareWorld } from "../run/simulation.js"
import { burnInScenario, type Design } from "./design.js"
import { writeFileAtomic } from "../io/output-dir.js"

/** Where a design's burn-in checkpoint lives: beside its DB, named by the design's identity. */
export const burnInPath = (design: Design, db: string): string => `${db}.burn-in-${design.identity.slice(0, 16)}.kiln`

/**
 * The burn-in checkpoint of a fork design, run in this thread when it is not there yet (a resumed sweep reuses it);
 * undefined for other designs. A stop rule that ends the burn-in before `fork.at` is an InputError.
 */
export const ensureBurnIn = async (design: Design, db: string): Promise<string | undefined> => {
  const { experiment } = design
  const fork = experiment.spec.fork
  if (fork === undefined) return undefined
  const path = burnInPath(design, db)
  if (existsSync(path)) return path
  mkdirSync(dirname(path), { recursive: true })
  const world = prepareWorld(burnInScenario(experiment), experiment.baseFile, undefined, false, experiment.plugins)
  let saved: Checkpoint | undefined
  const result = await Effect.runPromise(runLoop(new Engine(world), {
    stop: experiment.spec.stop,
    until: fork.at,
    checkpoint: { every: fork.at, save: (w, at) => (saved = captureCheckpoint(w, at)) }
  }))
  if (saved === undefined) {
    throw new InputError({
      file: experiment.file, path: "fork.at",
      message: `the burn-in ended at tick ${result.ticks} (${result.stopReason}), before tick ${fork.at}: choose an earlier tick`
    })
  }
  writeFileAtomic(path, encodeCheckpoint(saved))
  return path
}
