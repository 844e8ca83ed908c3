#!/usr/bin/env node
// The `kiln` executable: parses arguments, runs the command, maps failures to exit codes (2 bad input, 1 failure).
import { Effect } from "effect"
import { Command } from "effect/cli"
import { KILN_VERSION } from "../version.js"
import { kiln } from "./commands.js"
import { describe, exitCodeOf, invocationErrors } from "./errors.js"
import * as Platform from "./platform.js"

Command.run(kiln, { version: KILN_VERSION }).pipe(
  Effect.catch((e) =>
    Effect.sync(() => {
      const message = describe(e)
      if (message !== undefined) process.stderr.write(message + "\n")
      process.exitCode = exitCodeOf(e)
    })
  ),
  Effect.provide(invocationErrors),
  Effect.provide(Platform.layer),
  Platform.runMain
)
