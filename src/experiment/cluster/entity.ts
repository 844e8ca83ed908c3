// The one entity of a Kiln cluster: a run of a sweep, addressed by its experiment and run id. Its message is
// persisted and keyed by the same pair, so a run submitted twice is one message, and a runner that dies leaves it
// unprocessed in Postgres for the runner that takes over its shard.
import { Schema } from "effect"
import { ClusterSchema, Entity } from "effect/cluster"
import { Rpc } from "effect/rpc"
import type { RunJob } from "../run.js"

export const SweepRun = Entity.make("KilnSweepRun", [
  Rpc.make("run", {
    payload: {
      /** the experiment's identity (design.identity): run ids are unique within one experiment */
      experiment: Schema.String,
      /** a RunJob as JSON; the runner steps it on its own --threads */
      job: Schema.Unknown
    },
    primaryKey: ({ experiment, job }) => `${experiment}/${(job as RunJob).runId}`
  })
]).annotateRpcs(ClusterSchema.Persisted, true)

/** The entity of one run: its shard, hence its runner, follows from this id. */
export const runEntityId = (experiment: string, runId: string): string => `${experiment}/${runId}`
