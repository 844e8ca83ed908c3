// Continuing a checkpointed run: resuming it where it stopped, or forking it with changed parameters or a new seed.
// The world is rebuilt from the checkpoint's scenario and given its state; the run loop goes on from its position.
import { Effect } from "effect"
import { InputError } from "../errors.js"
import { reseedAgents, type World } from "../model/world.js"
import type { Scenario } from "../scenario/schema.js"
import { fixedParts, readCheckpoint, restoreCheckpoint, type Checkpoint } from "./checkpoint.js"
import { decodeWithPlugins } from "./plugins.js"
import { Scheduler, usefulThreads } from "./scheduler.js"
import { prepareWorld, runWorld, type SimulateOptions, type SimulationResult } from "./simulation.js"

export interface ContinueOptions {
  /** `--set` overrides of the checkpoint's scenario (a fork) */
  readonly set?: ReadonlyArray<string>
  /** the branch's whole scenario instead (a fork design's point), decoded; its plugins are loaded from its refs */
  readonly scenario?: Scenario
  /** a new seed: the agents get new random streams from here on (a fork's replicate) */
  readonly seed?: number
  /** build the world in shared memory (for several threads) */
  readonly shared?: boolean
  /** the checkpoint's path, for error messages */
  readonly path: string
}

/**
 * A world holding the checkpoint's state: its scenario (with a fork's overrides and seed) rebuilt, then the state
 * put back. A fork may change parameters and interventions from the checkpoint's tick on (`fixedParts` says what
 * it may not).
 */
export const worldFromCheckpoint = async (c: Checkpoint, o: ContinueOptions): Promise<World> => {
  const json = structuredClone(o.scenario ?? c.scenario) as Record<string, unknown>
  if (o.seed !== undefined) json.seed = o.seed
  const { scenario, plugins } = await decodeWithPlugins(json, c.file, o.set ?? [])
  const before = fixedParts(c.scenario)
  for (const [key, now] of Object.entries(fixedParts(scenario))) {
    if (JSON.stringify(now) !== JSON.stringify(before[key])) {
      throw new InputError({ file: o.path, path: key, message: `a fork cannot change ${key}: the checkpoint's state belongs to its world` })
    }
  }
  const world = prepareWorld(scenario, c.file, undefined, o.shared ?? false, plugins)
  restoreCheckpoint(world, c, o.path)
  if (o.seed !== undefined && o.seed !== c.scenario.seed) reseedAgents(world, o.seed, c.tick)
  return world
}

/**
 * Continues a checkpoint to its scenario's last tick (with `set`/`seed`: a fork) in this process; the result holds
 * every metrics row from tick 0, as an uninterrupted run's would.
 */
export const resumeRun = async (
  path: string, o: Omit<ContinueOptions, "path" | "shared"> & Pick<SimulateOptions, "workers" | "checkpoint" | "stop"> = {}
): Promise<SimulationResult> => {
  const c = readCheckpoint(path)
  const threads = usefulThreads(o.workers ?? 1).threads
  const world = await worldFromCheckpoint(c, { ...o, path, shared: threads > 1 })
  return Effect.runPromise(
    runWorld(world, { ...o, file: c.file }, { tick: c.tick, rows: c.rows, stop: c.stop }).pipe(Effect.provide(Scheduler.workerPool(threads)))
  )
}
