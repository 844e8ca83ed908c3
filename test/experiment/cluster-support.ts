// The cluster test's world: Debian's PostgreSQL started on a loopback port in a temporary folder, and `kiln`
// processes (runners, sweeps) started, watched and killed.
import { execFileSync, spawn, type ChildProcess } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { PgClient } from "@effect/sql-pg"

const root = resolve(import.meta.dirname, "../..")
const bin = join(root, "bin/kiln.mjs")

/** initdb and pg_ctl: on the PATH, or where Debian's postgresql package puts them. */
const postgresBin = (): string => {
  const onPath = process.env.PATH?.split(":").find((dir) => existsSync(join(dir, "initdb")))
  if (onPath) return onPath
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)) : []
  const found = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((dir) => existsSync(join(dir, "initdb")))
  if (!found) throw new Error("PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does it)")
  return found
}

const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer()
    server.on("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })

export interface Postgres {
  readonly url: string
  /** stops the server and starts it again on the same port: every connection is cut */
  readonly restart: () => void
  /** stops the server and deletes its folder */
  readonly stop: () => void
}

/** A fresh server: PostgreSQL refuses to run as root, so as root it runs as the `postgres` user. */
export const startPostgres = async (): Promise<Postgres> => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-pg-"))
  const binDir = postgresBin()
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }))
    chownSync(dir, uid, uid)
  }
  const run = (tool: string, args: string[]) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(binDir, tool), ...args]] : [join(binDir, tool), args]
    execFileSync(file, argv, { stdio: "pipe", cwd: dir, timeout: 60_000 })
  }
  const port = await freePort()
  const data = join(dir, "data")
  run("initdb", ["-D", data, "-U", "kiln", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const start = () => run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"])
  start()
  return {
    url: `postgres://kiln@127.0.0.1:${port}/postgres`,
    restart: () => {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
      start()
    },
    stop: () => {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Rows of one query on the cluster's database. */
export const pgQuery = <A extends object>(url: string, sql: string): Promise<ReadonlyArray<A>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const client = yield* SqlClient.SqlClient
      return yield* client.unsafe<A>(sql)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url) })))
  )

export interface Kiln {
  readonly child: ChildProcess
  /** what it wrote on stderr so far */
  readonly log: () => string
  /** resolves with its exit code (null when killed by a signal) */
  readonly exited: Promise<number | null>
}

/** `kiln <args>` from the built CLI (npm test builds it first), with cluster settings in `env`. */
export const kiln = (args: string[], env: Record<string, string> = {}, onLog?: (chunk: string) => void): Kiln => {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CI: "true", ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let log = ""
  child.stderr!.setEncoding("utf8")
  child.stderr!.on("data", (chunk: string) => {
    log += chunk
    onLog?.(chunk)
  })
  child.stdout!.setEncoding("utf8")
  child.stdout!.on("data", (chunk: string) => void (log += chunk))
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  return { child, log: () => log, exited }
}

/** Polls `check` every 100 ms until it holds; fails after `seconds`. */
export const waitFor = async (what: string, check: () => Promise<boolean>, seconds = 60): Promise<void> => {
  const deadline = Date.now() + seconds * 1000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((done) => setTimeout(done, 100))
  }
}

/** Whether `runners` runners hold all the shards between them (each holds a shard's advisory lock on Postgres). */
export const shardsSettled = async (url: string, runners: number, shards = 300): Promise<boolean> => {
  const [row] = await pgQuery<{ holders: string; locks: string }>(
    url,
    "SELECT count(DISTINCT pid)::text AS holders, count(*)::text AS locks FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
  )
  return Number(row.holders) === runners && Number(row.locks) === shards
}

/** How many runs of an experiment have their outcome stored. */
export const storedRuns = async (url: string, experiment: string): Promise<number> => {
  const [row] = await pgQuery<{ n: string }>(url, `SELECT count(*)::text AS n FROM kiln_outcomes WHERE experiment = '${experiment}'`)
  return Number(row.n)
}
