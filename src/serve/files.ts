// Static files for the viewer server: a request path is mapped to a file strictly inside one root directory.
// Traversal (`..`), absolute paths, backslashes and NUL bytes are refused with 400; anything not a regular,
// non-hidden file inside the root (after resolving symlinks) is 404.
import { createReadStream, realpathSync, statSync } from "node:fs"
import type { ServerResponse } from "node:http"
import { extname, isAbsolute, join, sep } from "node:path"

export type Resolved =
  | { readonly status: 200; readonly file: string; readonly size: number }
  | { readonly status: 400 | 404; readonly reason: string }

/**
 * The file that `rawPath` (the still percent-encoded path below the mount point, e.g. "assets/app.js") names in
 * `root`. Each segment is decoded on its own, so "%2e%2e" and "%2F" cannot smuggle a traversal past the checks.
 */
export const resolveInside = (root: string, rawPath: string): Resolved => {
  const segments: string[] = []
  for (const raw of rawPath.split("/")) {
    let s: string
    try {
      s = decodeURIComponent(raw)
    } catch {
      return { status: 400, reason: `bad percent-encoding in "${raw}"` }
    }
    if (s.includes("\0")) return { status: 400, reason: "NUL byte in path" }
    if (s.includes("/") || s.includes("\\")) return { status: 400, reason: "slash inside a path segment" }
    if (s === "..") return { status: 400, reason: "path traversal" }
    segments.push(s)
  }
  if (segments.length > 0 && segments[0] === "" && rawPath.length > 0) return { status: 400, reason: "absolute path" }
  const parts = segments.filter((s) => s !== "" && s !== ".")
  if (parts.length > 0 && (isAbsolute(parts[0]) || /^[A-Za-z]:/.test(parts[0]))) return { status: 400, reason: "absolute path" }
  if (parts.some((s) => s.startsWith("."))) return { status: 404, reason: "hidden file" }
  let realRoot: string
  let real: string
  try {
    realRoot = realpathSync(root)
    real = realpathSync(join(realRoot, ...parts))
  } catch {
    return { status: 404, reason: "no such file" }
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return { status: 404, reason: "outside the served directory" }
  const st = statSync(real)
  if (!st.isFile()) return { status: 404, reason: "not a file" }
  return { status: 200, file: real, size: st.size }
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".map": "application/json; charset=utf-8"
}

export const contentType = (file: string): string => TYPES[extname(file).toLowerCase()] ?? "application/octet-stream"

/** Answers with a plain-text status: the reason is for people reading the server's answer, never a file's content. */
export const sendStatus = (res: ServerResponse, status: number, reason: string): void => {
  const body = `${status} ${reason}\n`
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) })
  res.end(body)
}

/** Streams a resolved file (HEAD: headers only). */
export const sendFile = (res: ServerResponse, r: Resolved, head: boolean, cache = "no-cache"): void => {
  if (r.status !== 200) return sendStatus(res, r.status, r.status === 400 ? `bad request: ${r.reason}` : "not found")
  res.writeHead(200, { "content-type": contentType(r.file), "content-length": r.size, "cache-control": cache })
  if (head) {
    res.end()
    return
  }
  createReadStream(r.file)
    .on("error", () => res.destroy())
    .pipe(res)
}
