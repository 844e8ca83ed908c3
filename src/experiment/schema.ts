// The experiment file format: a base scenario, factors that address its fields by path, replicates and stop rules.
// A swept value is always marked by a factor; nothing is inferred from a value's type.
import { Effect, Schema } from "effect"
import { PATH_PATTERN, pathProblem } from "../scenario/path.js"
import { MAX_SEED } from "../model/rng.js"

const Int = (min: number, description: string) =>
  Schema.Int.check(Schema.isGreaterThanOrEqualTo(min)).annotate({ description })
const withDefault = <S extends Schema.Top>(schema: S, fallback: S["Encoded"]) =>
  (schema as any).pipe(Schema.withDecodingDefaultKey(Effect.succeed(fallback))) as S

/** `a.b[2].c`: object keys separated by dots, array indices in brackets (the grammar of scenario/path.ts, as `kiln run --set`). */
export const FieldPath = Schema.String.check(
  Schema.makeFilter((s: string) => pathProblem(s), { toJsonSchema: () => ({ pattern: PATH_PATTERN }) })
).annotate({ description: "scenario field path: energy.gamma, interventions[0].dose" })

/** A column name in the results tables: letters, digits and underscores. */
const ColumnName = Schema.String.check(
  Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "expected a column name of letters, digits and underscores" })
).annotate({ description: "column name in the runs table (default: the path with . and [] turned into _)" })

const Bound = Schema.Finite

export const ValuesFactor = Schema.Struct({
  path: FieldPath,
  name: Schema.optionalKey(ColumnName),
  values: Schema.Array(Schema.Json).check(Schema.isMinLength(1)).annotate({
    description: "the values the field takes, any JSON (numbers, strings, objects)"
  })
}).annotate({ title: "values", description: "an explicit list of values for one scenario field" })

export const RangeFactor = Schema.Struct({
  path: FieldPath,
  name: Schema.optionalKey(ColumnName),
  range: Schema.Struct({
    from: Bound,
    to: Bound,
    step: Bound.check(Schema.isGreaterThan(0)).annotate({ description: "step > 0; `to` is included when reached" })
  })
}).annotate({ title: "range", description: "from, from + step, … up to to (inclusive)" })

export const SampleRange = Schema.Struct({
  from: Bound,
  to: Bound,
  int: withDefault(Schema.Boolean.annotate({ description: "draw integers in [from, to]" }), false),
  name: Schema.optionalKey(ColumnName)
})

export const SampleFactor = Schema.Struct({
  sample: Schema.Struct({
    kind: Schema.Literals(["random", "lhs", "sobol", "morris"]).annotate({
      description: "random: independent uniform draws (raising count keeps earlier points); lhs: Latin hypercube; " +
        "sobol: a Saltelli design for Sobol indices (count N, a power of two: N·(k + 2) points); " +
        "morris: count elementary-effects trajectories of k + 1 points each (kiln analyze)"
    }),
    count: Int(1, "number of points drawn (sobol: N, the rows of A and B; morris: the trajectories)"),
    levels: Schema.optionalKey(Int(2, "morris only: the grid's levels per range, an even number (default 4)")),
    ranges: Schema.Record(FieldPath, SampleRange).annotate({ description: "{ path: { from, to, int? } }" })
  })
}).annotate({ title: "sample", description: "points drawn from ranges of several fields at once" })

export const ConditionsFactor = Schema.Struct({
  name: withDefault(ColumnName, "condition"),
  conditions: Schema.Record(Schema.String.check(Schema.isNonEmpty()), Schema.Record(FieldPath, Schema.Json)).annotate({
    description: "named arms, each a set of overrides: { slow: { \"energy.gamma\": 0.02 }, quench: { … } }"
  })
}).annotate({ title: "conditions", description: "named arms (the column holds the arm's name)" })

export const Factor = Schema.Union([ValuesFactor, RangeFactor, SampleFactor, ConditionsFactor])

export const StopRule = Schema.Union([
  Schema.Struct({
    kind: Schema.Literal("crossing"),
    metric: Schema.String.annotate({ description: "a metrics column, e.g. energy_mean" }),
    threshold: Schema.Finite,
    direction: withDefault(
      Schema.Literals(["down", "up", "either"]).annotate({ description: "which way the metric must cross (default either)" }),
      "either"
    )
  }).annotate({ title: "crossing", description: "stop at the first record where the metric has crossed the threshold" }),
  Schema.Struct({
    kind: Schema.Literal("steady"),
    metric: Schema.String.annotate({ description: "a metrics column, e.g. energy_mean" }),
    ticks: Int(1, "K: length of the window in ticks"),
    tolerance: withDefault(
      Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)).annotate({ description: "max − min allowed in the window (default 0.001)" }),
      0.001
    )
  }).annotate({ title: "steady", description: "stop once the metric has stayed within the tolerance for K ticks" })
])

/** Per-agent state stored at chosen recorded ticks (the `snapshots` table). */
export const Snapshots = Schema.Struct({
  ticks: Schema.Array(Schema.Union([Int(0, "a recorded tick"), Schema.Literal("final")])).check(Schema.isMinLength(1)).annotate({
    description: "recorded ticks at which every agent's state is stored, and \"final\" for the run's last record"
  })
}).annotate({ description: "per-agent snapshots into the snapshots table, e.g. { \"ticks\": [0, 100, \"final\"] }" })

const fields = {
  $schema: Schema.optionalKey(Schema.String),
  name: Schema.String.check(
    Schema.isPattern(/^[\w.-]+$/, { message: "expected a name of letters, digits, '.', '_' or '-' (it names the DB file)" })
  ).annotate({ description: "experiment name (default DB: experiments/<name>.duckdb)" }),
  description: Schema.optionalKey(Schema.String),
  scenario: Schema.Union([
    Schema.String.annotate({ description: "path of the base scenario, relative to the experiment file" }),
    Schema.Record(Schema.String, Schema.Json).annotate({ description: "the base scenario inline" })
  ]),
  seed: Schema.optionalKey(
    Int(0, "experiment seed, 0..4294967295: every run's seed derives from it (default: the base scenario's seed)")
      .check(Schema.isLessThanOrEqualTo(MAX_SEED))
  ),
  seeds: withDefault(
    Schema.Literals(["common", "independent"]).annotate({
      description: "common (default): replicate k has the same seed at every point (common random numbers); " +
        "independent: every run's seed derives from its point's content too"
    }),
    "common"
  ),
  replicates: withDefault(Int(1, "runs per design point (default 1)"), 1),
  ticks: Schema.optionalKey(Int(0, "ticks per run (default: the scenario's)")),
  recordEvery: Schema.optionalKey(Int(1, "record metrics every N ticks (default: the scenario's)")),
  set: withDefault(
    Schema.Record(FieldPath, Schema.Json).annotate({
      description: "overrides applied to the base scenario for every run, e.g. { \"graph.n\": 200 } (default none)"
    }),
    {}
  ),
  metrics: Schema.optionalKey(
    Schema.Array(Schema.String).annotate({ description: "metrics columns to store (default: all); tick is always stored" })
  ),
  factors: withDefault(Schema.Array(Factor).annotate({ description: "the design is the product of the factors" }), []),
  stop: withDefault(
    Schema.Array(StopRule).annotate({ description: "a run stops early when any rule holds (default: none)" }),
    []
  ),
  snapshots: Schema.optionalKey(Snapshots),
  fork: Schema.optionalKey(
    Schema.Struct({
      at: Int(1, "the tick of the shared burn-in's checkpoint: every run continues from it")
    }).annotate({
      description: "a fork design: one burn-in run of the base scenario (with `set`, the experiment seed) to tick `at`, " +
        "then every run branches from its checkpoint with its point's overrides and its own seed (docs/CHECKPOINTS.md)"
    })
  )
}

export const ExperimentSpec = Schema.Struct(fields)

/**
 * The same file with factors and stop rules left undecoded: load.ts decodes each against the one member its key
 * names, so an error says "factors[1].range.step: …" instead of listing every member of the union.
 */
export const ExperimentShell = Schema.Struct({
  ...fields,
  factors: withDefault(Schema.Array(Schema.Unknown), []),
  stop: withDefault(Schema.Array(Schema.Unknown), [])
})

export type ExperimentSpecT = typeof ExperimentSpec.Type
export type FactorT = typeof Factor.Type
export type StopRuleT = typeof StopRule.Type
export type SnapshotsT = typeof Snapshots.Type
