// The Node services `kiln` runs on, built from effect's platform-agnostic pieces (@effect/platform-node declares
// Node ≥ 22): the arguments, streams and file checks effect/cli asks for, and a main runner that interrupts the
// program on SIGINT, SIGTERM and SIGHUP, so its scopes close (servers, workers, temporary directories) before exit.
import type { Stats } from "node:fs"
import { constants } from "node:os"
import { readFile, stat } from "node:fs/promises"
import { ByteSize, Effect, FileSystem, Layer, Option, Path, Sink, Stdio, Stream, Terminal } from "effect"
import { systemError, type PlatformError } from "effect/PlatformError"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Runtime from "effect/Runtime"

/** The signals that stop `kiln` cleanly: Ctrl-C, `kill`/`npm` stopping it, and the terminal closing. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const

const failure = (module: string, method: string, path: string) => (cause: unknown) =>
  systemError({
    _tag: (cause as { code?: string }).code === "ENOENT" ? "NotFound" : "Unknown",
    module,
    method,
    pathOrDescriptor: path,
    cause
  })

const writeTo = (stream: NodeJS.WriteStream) => () =>
  Sink.forEach((chunk: string | Uint8Array) => Effect.sync(() => void stream.write(chunk))) as Sink.Sink<void, string | Uint8Array, never, PlatformError>

const stdio = Stdio.make({
  args: Effect.sync(() => process.argv.slice(2)),
  stdinIsTerminal: Effect.sync(() => process.stdin.isTTY === true),
  stdoutIsTerminal: Effect.sync(() => process.stdout.isTTY === true),
  stderrIsTerminal: Effect.sync(() => process.stderr.isTTY === true),
  stdout: writeTo(process.stdout),
  stderr: writeTo(process.stderr),
  stdin: Stream.fromAsyncIterable(process.stdin as AsyncIterable<Uint8Array>, failure("Stdio", "stdin", "<stdin>"))
})

const info = (s: Stats): FileSystem.File.Info => ({
  type: s.isFile() ? "File" : s.isDirectory() ? "Directory" : s.isSymbolicLink() ? "SymbolicLink" : "Unknown",
  mtime: Option.some(s.mtime),
  atime: Option.some(s.atime),
  birthtime: Option.some(s.birthtime),
  dev: BigInt(s.dev),
  ino: Option.some(BigInt(s.ino)),
  mode: s.mode,
  nlink: Option.some(BigInt(s.nlink)),
  uid: Option.some(s.uid),
  gid: Option.some(s.gid),
  rdev: Option.some(BigInt(s.rdev)),
  size: ByteSize.bytes(BigInt(s.size)),
  blksize: Option.some(ByteSize.bytes(BigInt(s.blksize))),
  blocks: Option.some(BigInt(s.blocks))
})

/** What effect/cli's file and path arguments call: existence, type and text. Kiln writes files with node:fs. */
const fileSystem = FileSystem.makeNoop({
  exists: (path) => Effect.promise(() => stat(path).then(() => true, () => false)),
  stat: (path) => Effect.tryPromise({ try: () => stat(path).then(info), catch: failure("FileSystem", "stat", path) }),
  readFileString: (path, encoding) =>
    Effect.tryPromise({
      try: () => readFile(path, { encoding: (encoding ?? "utf8") as BufferEncoding }),
      catch: failure("FileSystem", "readFileString", path)
    })
})

/** Kiln asks nothing interactive; prompts end as if the user quit. */
const terminal = Terminal.make({
  columns: Effect.sync(() => process.stdout.columns ?? 80),
  rows: Effect.sync(() => process.stdout.rows ?? 24),
  size: Effect.die("kiln: interactive terminal input is not supported"),
  readInput: Effect.die("kiln: interactive terminal input is not supported"),
  readLine: Effect.fail(new Terminal.QuitError({})),
  display: (text) => Effect.sync(() => void process.stdout.write(text))
})

/** Kiln starts no child processes through effect; asking for one is a bug, reported as such. */
const spawner = ChildProcessSpawner.make(() =>
  Effect.fail(systemError({ _tag: "Unknown", module: "ChildProcessSpawner", method: "spawn", description: "kiln: not supported" }))
)

/** The services effect/cli's Command.run needs. */
export const layer = Layer.mergeAll(
  Layer.succeed(Stdio.Stdio, stdio),
  Layer.succeed(FileSystem.FileSystem, fileSystem),
  Path.layer,
  Layer.succeed(Terminal.Terminal, terminal),
  Layer.succeed(ChildProcessSpawner.ChildProcessSpawner, spawner)
)

const exitCodeOf = (signal: NodeJS.Signals) => 128 + constants.signals[signal]

/**
 * Runs the program as the process's main fiber. A stop signal interrupts it, so its scopes close, and the
 * process exits with 128 + the signal's number (130 for Ctrl-C); a second signal while it closes exits at once.
 */
export const runMain = Runtime.makeRunMain(({ fiber, teardown }) => {
  let received: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) process.exit(exitCodeOf(received))
    received = signal
    fiber.interruptUnsafe(fiber.id)
  }
  for (const s of STOP_SIGNALS) process.on(s, onSignal)
  fiber.addObserver((exit) => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal)
    teardown(exit, (code) => {
      if (received !== undefined) process.exit(exitCodeOf(received))
      // Success leaves the event loop to drain (stdout is flushed); a failure's code is final.
      if (code !== 0) process.exit(code)
    })
  })
})
