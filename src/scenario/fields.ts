// Building blocks of the scenario schemas: documented parameters with defaults, content, targets and timing.
// Shared by the scenario schema and by every intervention kind in ../interventions/.
import { Effect, Schema } from "effect"

type Range = { readonly min?: number; readonly max?: number; readonly above?: number; readonly int?: boolean }

/** A finite number with a range; `int` makes it an integer. */
export const num = (r: Range = {}) => {
  let s: Schema.Codec<number> = r.int ? Schema.Int : Schema.Finite
  if (r.min !== undefined) s = s.check(Schema.isGreaterThanOrEqualTo(r.min))
  if (r.above !== undefined) s = s.check(Schema.isGreaterThan(r.above))
  if (r.max !== undefined) s = s.check(Schema.isLessThanOrEqualTo(r.max))
  return s
}

/** A documented parameter with its default. */
export const param = (fallback: number, description: string, r: Range = {}) =>
  num(r).annotate({ description: `${description} (default ${fallback})` }).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(fallback))
  )

export const bool = (fallback: boolean, description: string) =>
  Schema.Boolean.annotate({ description }).pipe(Schema.withDecodingDefaultKey(Effect.succeed(fallback)))

export const section = <S extends Schema.Top>(schema: S, description: string) =>
  (schema as any).annotate({ description }).pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))) as S

export const Sign = Schema.Literals([-1, 1])
/** Content over named beliefs: `{ "belief": +1 | -1 }`. Names are checked against `beliefs` after decoding. */
export const Content = Schema.Record(Schema.String, Sign).annotate({
  description: "Values asserted for named beliefs: { beliefName: 1 | -1 }"
})
export const optionalContent = Content.pipe(Schema.withDecodingDefaultKey(Effect.succeed({})))
export const Probability = (fallback: number, description: string) => param(fallback, description, { min: 0, max: 1 })
export const Count = (description: string, min = 1) => num({ int: true, min }).annotate({ description })

// ---------------------------------------------------------------- targets and timing

export const Target = Schema.Union([
  Schema.Literal("all"),
  Schema.Struct({ group: Schema.String }),
  Schema.Struct({ ids: Schema.Array(Schema.Union([Schema.String, Schema.Number])) }),
  Schema.Struct({ fraction: num({ min: 0, max: 1 }) }),
  Schema.Struct({ topDegree: num({ int: true, min: 0 }) })
]).annotate({ description: "\"all\" | {group} | {ids} | {fraction} (random, from the seed) | {topDegree}" })
export const targetField = Target.pipe(Schema.withDecodingDefaultKey(Effect.succeed("all" as const)))

/** When an intervention runs; every kind shares these fields (see ../timeline.ts `phaseAt`). */
export const timing = {
  target: targetField,
  start: param(0, "first tick", { int: true, min: 0 }),
  duration: param(1, "ticks per occurrence", { int: true, min: 1 }),
  every: Schema.optionalKey(Count("repeat period in ticks")),
  until: Schema.optionalKey(num({ int: true, min: 0 }).annotate({ description: "no occurrence starts at or after this tick" }))
}

/** Field strength of an intervention's content. */
export const strength = param(1, "field strength of the content", { min: 0 })
