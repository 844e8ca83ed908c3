// Where Kiln writes: directories created safely, run directories claimed without deleting anything Kiln did not
// write, names made safe for paths, and the temporary directories of dead Kiln processes cleaned up.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync, type Stats } from "node:fs"
import { basename, dirname, join, resolve } from "node:path"
import { InputError } from "../errors.js"

/** stat that answers undefined for a missing path (also when a parent on the way is a file). */
const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === "ENOENT" || code === "ENOTDIR") return undefined
    throw new InputError({ file: path, path: "", message: `cannot be read (${code ?? String(e)})` })
  }
}

const reason = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code
  const why: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
    // Pseudo file systems such as /proc answer ENOENT for a directory that cannot exist there.
    ENOENT: "this file system does not allow creating it"
  }
  return code ? `${why[code] ?? "failed"} (${code})` : String(e)
}

/** Writes `file` through a temporary name beside it, renamed into place: a reader never sees half a file. */
export const writeFileAtomic = (file: string, data: string | Uint8Array): void => {
  const tmp = `${file}.tmp-${process.pid}`
  writeFileSync(tmp, data)
  renameSync(tmp, file)
}

/**
 * Creates `dir` and its missing parents, one level at a time from the nearest existing ancestor, and returns its
 * absolute path. Node's recursive mkdir never returns for a path under /proc (it retries forever, blocking
 * signals), and its errors do not say which level failed; this names the path and the reason.
 */
export const ensureDir = (dir: string): string => {
  const target = resolve(dir)
  const missing: string[] = []
  let p = target
  for (let st = statOf(p); st === undefined; st = statOf(p)) {
    missing.unshift(p)
    p = dirname(p)
  }
  if (!statOf(p)!.isDirectory()) {
    throw new InputError({ file: dir, path: "", message: `cannot create the directory: ${p} is a file, not a directory` })
  }
  for (const m of missing) {
    try {
      mkdirSync(m)
    } catch (e) {
      // Another process may have created it meanwhile.
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statOf(m)?.isDirectory()) continue
      throw new InputError({ file: dir, path: "", message: `cannot create the directory ${m}: ${reason(e)}` })
    }
  }
  return target
}

/**
 * A scenario name as a directory name: letters, digits, `.`, `_` and `-` only (no path separators, no `..`, no
 * control characters), no leading dot, at most 64 characters, never empty.
 */
export const safeName = (name: string): string => {
  const slug = name
    .normalize("NFC")
    .replace(/[^\p{L}\p{N}._-]+/gu, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[.-]+|[.-]+$/g, "")
    .slice(0, 64)
    .replace(/[.-]+$/, "")
  return slug === "" ? "run" : slug
}

/** Kiln's temporary sibling of `final`: hidden, named after it and this process, so it can be cleaned if we die. */
export const tempDirFor = (final: string, kind: "tmp" | "old" = "tmp"): string =>
  join(dirname(final), `.${basename(final)}.${kind}-${process.pid}`)

const TEMP = /^\.(.+)\.(tmp|old)-(\d+)$/

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: alive, owned by someone else.
    return (e as NodeJS.ErrnoException).code !== "ESRCH"
  }
}

/**
 * Removes the temporary directories Kiln's dead processes left in `parent` (`.<name>.tmp-<pid>`, and
 * `.<name>.old-<pid>` when `<name>` exists again so that earlier run was replaced). Live processes' are kept.
 */
export const cleanStaleTemps = (parent: string): void => {
  let entries: string[]
  try {
    entries = readdirSync(parent)
  } catch {
    return
  }
  for (const entry of entries) {
    const m = TEMP.exec(entry)
    if (!m || Number(m[3]) === process.pid || alive(Number(m[3]))) continue
    if (m[2] === "old" && statOf(join(parent, m[1])) === undefined) continue
    const path = join(parent, entry)
    if (statOf(path)?.isDirectory()) rmSync(path, { recursive: true, force: true })
  }
}

/** A directory holding manifest.json as Kiln writes it. */
export const isKilnRun = (dir: string): boolean => {
  try {
    const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))
    return typeof m === "object" && m !== null && typeof m.kiln === "string" && typeof m.status === "string" && Array.isArray(m.files)
  } catch {
    return false
  }
}

type Existing = "absent" | "empty" | "run" | "foreign" | "file"

const existing = (dir: string): Existing => {
  const st = statOf(dir)
  if (st === undefined) return "absent"
  if (!st.isDirectory()) return "file"
  if (readdirSync(dir).length === 0) return "empty"
  return isKilnRun(dir) ? "run" : "foreign"
}

export interface RunDirOptions {
  /** replace an earlier Kiln run in the directory */
  readonly overwrite?: boolean
  /** the directory is Kiln's default: when it holds an earlier run, write beside it (<dir>-2, <dir>-3, …) */
  readonly beside?: boolean
}

export interface RunDirPlan {
  /** where the run goes (absolute) */
  readonly dir: string
  /** what the user should be told: the run goes beside the directory they expected */
  readonly note?: string
}

/** The first `<dir>-k` (k >= 2) that is free or empty. */
const besideOf = (dir: string): string => {
  for (let k = 2; k < 10_000; k++) {
    const candidate = `${dir}-${k}`
    const e = existing(candidate)
    if (e === "absent" || e === "empty") return candidate
  }
  throw new InputError({ file: dir, path: "", message: "holds an earlier run, and so do <dir>-2 … <dir>-9999; pass --out or --overwrite" })
}

/**
 * Decides where a run goes without deleting anything: a missing or empty directory is used; a Kiln run directory
 * is replaced only with `overwrite` (or, for the default directory, the run goes beside it); anything else is
 * refused. Creates the parent and checks a temporary directory can be made there, so a bad path fails before
 * the simulation runs.
 */
export const planRunDir = (dir: string, o: RunDirOptions = {}): RunDirPlan => {
  const wanted = resolve(dir)
  const flag = o.beside ? "" : "--out"
  const e = existing(wanted)
  if (e === "file") throw new InputError({ file: dir, path: flag, message: "exists and is not a directory; choose another output directory" })
  if (e === "foreign") {
    throw new InputError({
      file: dir,
      path: flag,
      message: "is not empty and is not a Kiln run directory (it has no manifest.json written by Kiln); " +
        "Kiln never deletes such a directory: choose a new or empty directory"
    })
  }
  if (e === "run" && !o.overwrite && !o.beside) {
    throw new InputError({ file: dir, path: flag, message: "holds an earlier Kiln run; pass --overwrite to replace it, or choose another --out" })
  }
  const target = e === "run" && !o.overwrite ? besideOf(wanted) : wanted
  probe(target)
  return target === wanted ? { dir: target } : {
    dir: target,
    note: `kiln: ${dir} holds an earlier run; writing this one to ${dir}${target.slice(wanted.length)} ` +
      "(--overwrite replaces the earlier run instead)"
  }
}

/** Creates the parent of `final` and checks a directory can be made there. */
const probe = (final: string): void => {
  ensureDir(dirname(final))
  const tmp = tempDirFor(final)
  try {
    rmSync(tmp, { recursive: true, force: true })
    mkdirSync(tmp)
    rmdirSync(tmp)
  } catch (e) {
    throw new InputError({ file: final, path: "", message: `cannot write here: creating ${tmp} failed: ${reason(e)}` })
  }
}

/**
 * Moves the finished temporary directory to `final`. An existing `final` (which planRunDir allowed) is renamed
 * aside first and removed only once the new one is in place, so a failure never leaves neither.
 */
export const swapInto = (tmp: string, final: string): void => {
  if (statOf(final) === undefined) return renameSync(tmp, final)
  const old = tempDirFor(final, "old")
  rmSync(old, { recursive: true, force: true })
  renameSync(final, old)
  try {
    renameSync(tmp, final)
  } catch (e) {
    renameSync(old, final)
    throw e
  }
  rmSync(old, { recursive: true, force: true })
}
