// Kiln's typed errors: bad input (exit code 2) and failures while running (exit code 1).
import { Data } from "effect"

/** Bad user input: a file, the path inside it, and what was expected. The CLI exits with code 2. */
export class InputError extends Data.TaggedError("InputError")<{
  readonly file: string
  readonly path: string
  readonly message: string
}> {
  override toString(): string {
    return formatInputError(this)
  }
}

/** A failure while running a simulation (a worker crash, an I/O error). The CLI exits with code 1. */
export class RunError extends Data.TaggedError("RunError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** One human-readable line per problem: `kiln: <file>: at <path>: <message>`. */
export const formatInputError = (e: { file: string; path: string; message: string }): string =>
  `kiln: ${e.file}${e.path ? `: at ${e.path}` : ""}: ${e.message}`
