// Turning thrown input errors into typed Effect failures, and failures into messages and exit codes.
import { Effect } from "effect"
import { CliError } from "effect/cli"
import { InputError, RunError, formatInputError } from "../errors.js"

/** Runs set-up code that may throw InputError (bad files); anything else is a defect. */
export const loadInput = <A>(f: () => A): Effect.Effect<A, InputError> =>
  Effect.try({
    try: f,
    catch: (e) => {
      if (e instanceof InputError) return e
      throw e
    }
  })

/** Exit code 2 for bad input (files, flags, arguments), 1 for failures while running. */
export const exitCodeOf = (e: unknown): number => (e instanceof InputError || CliError.isCliError(e) ? 2 : 1)

/** The message to print; effect/cli has already printed its own parse errors, so those give none. */
export const describe = (e: unknown): string | undefined =>
  e instanceof InputError
    ? formatInputError(e)
    : e instanceof RunError
      ? e.message
      : CliError.isCliError(e)
        ? undefined
        : `kiln: ${String(e)}`
