// The registry of evolutionary processes: each factory starts its process when the scenario turns it on.
// A new process is one factory added here; the engine runs `afterTick` and `record`, run outputs write `tables`.
import type { World } from "../world.js"
import type { EvolutionProcess, ProcessFactory, RunTable } from "./process.js"
import { ritualEvolution } from "./rituals.js"

export const evolutionProcesses: ReadonlyArray<ProcessFactory> = [
  (w) => w.memeVariants,
  ritualEvolution
]

/** A world's processes, in registry order. */
export const startProcesses = (w: World): EvolutionProcess[] =>
  evolutionProcesses.flatMap((start) => start(w) ?? [])

/** The tables of a world's processes, in registry order: `<name>.parquet` in a run directory, store tables in a sweep. */
export const worldTables = (w: World): RunTable[] => w.processes.flatMap((p) => p.tables())
