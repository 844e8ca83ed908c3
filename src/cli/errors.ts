// Turning thrown input errors into typed Effect failures, and failures into messages and exit codes.
import { Effect, Layer } from "effect"
import { CliError, CliOutput } from "effect/cli"
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

/** The same for asynchronous set-up (loading plugin modules). */
export const loadInputAsync = <A>(f: () => Promise<A>): Effect.Effect<A, InputError> =>
  Effect.tryPromise({
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

/** A flag or argument error: the messages first, on stderr, then where to find the options — not the whole help. */
export const formatInvocationErrors = (commandPath: ReadonlyArray<string>, messages: ReadonlyArray<string>): string =>
  messages.map((m) => `kiln: ${m}\n`).join("") + `run '${commandPath.join(" ")} --help' for the options\n`

/** effect/cli prints help to stdout and the error last; Kiln prints only the error (help stays on --help). */
export const invocationErrors: Layer.Layer<never> = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Effect.sync(() => {
        process.stderr.write(formatInvocationErrors(event.commandPath, event.errors.map((e) => e.message)))
      })
      : CliOutput.defaultPresenter.present(event)
})
