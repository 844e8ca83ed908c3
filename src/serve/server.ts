// The viewer's HTTP server (node:http): the built viewer, a run directory's files, and in live mode the stream
// of tick states (SSE at /live) with snapshots of the newest node state. Binds 127.0.0.1 unless told otherwise.
//
//   GET /                 viewer (viz/dist), any file inside it
//   GET /api/info         { mode, name, memes, groups, beliefs, … }
//   GET /run/<file>       a file of the run directory (live mode: once the run is written)
//   GET /live             SSE: event "state" with LiveState, newest wins          (live mode)
//   GET /live/graph.json  graph with layout · /live/metrics.json rows so far · /live/frame.bin newest frame
//   GET /live/agent/<i>   agent i: energy trace, beliefs, couplings
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { map } from "rxjs"
import { resolveInside, sendFile, sendStatus } from "./files.js"
import { describeWorld, type LiveHub } from "./live.js"
import type { RunInfo } from "./info.js"
import { openEventStream, streamEvents } from "./sse.js"

export type Source =
  | { readonly kind: "run"; readonly dir: string; readonly info: RunInfo }
  | { readonly kind: "live"; readonly hub: LiveHub }

export interface ServerOptions {
  readonly source: Source
  /** default 127.0.0.1 */
  readonly host?: string
  /** default 8737; 0 picks a free port */
  readonly port?: number
  /** the built viewer (default: viz/dist of this package) */
  readonly viewer?: string
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

export const DEFAULT_PORT = 8737

/** viz/dist next to src/ or dist/: both sit one level below the package root. */
export const defaultViewerDir = (): string => resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "viz", "dist")

const sendJson = (res: ServerResponse, value: unknown, head: boolean) => {
  const body = JSON.stringify(value)
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), "cache-control": "no-cache" })
  res.end(head ? undefined : body)
}

const sendBytes = (res: ServerResponse, bytes: Uint8Array, head: boolean) => {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.byteLength, "cache-control": "no-cache" })
  res.end(head ? undefined : bytes)
}

/** The request handler; exported for tests that drive it without a socket. */
export const handler = (o: ServerOptions) => {
  const viewer = o.viewer ?? defaultViewerDir()
  const source = o.source
  const info = () => (source.kind === "run" ? { mode: "run", ...source.info } : { mode: "live", ...describeWorld(source.hub.world) })

  const live = (hub: LiveHub, rest: string, req: IncomingMessage, res: ServerResponse, head: boolean) => {
    if (rest === "") {
      const stop = openEventStream(res)
      const sub = streamEvents(res, hub.states$.pipe(map((s) => ({ event: "state", data: s }))))
      req.on("close", () => {
        stop()
        sub.unsubscribe()
      })
      return
    }
    if (rest === "/graph.json") {
      hub.graphJson.then(
        (json) => {
          res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" })
          res.end(head ? undefined : json)
        },
        (e) => sendStatus(res, 500, `layout failed: ${String(e)}`)
      )
      return
    }
    if (rest === "/metrics.json") return sendJson(res, hub.metrics(), head)
    if (rest === "/frame.bin") {
      const bytes = hub.snapshot()
      return bytes === undefined ? sendStatus(res, 404, "no tick recorded yet") : sendBytes(res, bytes, head)
    }
    const agent = /^\/agent\/(\d+)$/.exec(rest)
    if (agent) {
      const a = hub.agent(Number(agent[1]))
      return a === undefined ? sendStatus(res, 404, "no such agent") : sendJson(res, a, head)
    }
    sendStatus(res, 404, "not found")
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? "GET"
    if (method !== "GET" && method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD")
      return sendStatus(res, 405, "method not allowed")
    }
    const head = method === "HEAD"
    const url = req.url ?? "/"
    // Only origin-form paths; the raw path is kept (no URL normalisation) so that traversal is seen and refused.
    if (!url.startsWith("/")) return sendStatus(res, 400, "bad request: expected a path starting with /")
    const path = url.split(/[?#]/, 1)[0]
    if (path === "/api/info") return sendJson(res, info(), head)
    if (path === "/live" || path.startsWith("/live/")) {
      if (source.kind !== "live") return sendStatus(res, 404, "not found: this server shows a finished run, not a live one")
      return live(source.hub, path.slice("/live".length), req, res, head)
    }
    if (path === "/run" || path.startsWith("/run/")) {
      const dir = source.kind === "run" ? source.dir : source.hub.current.dir
      if (dir === undefined) return sendStatus(res, 404, "not found: the live run is not written yet")
      return sendFile(res, resolveInside(dir, path.slice("/run/".length)), head)
    }
    const rel = path === "/" ? "index.html" : path.slice(1)
    // Vite names built assets by content hash, so they may be cached for good; index.html may not.
    const cache = path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache"
    sendFile(res, resolveInside(viewer, rel), head, cache)
  }
}

/** Starts listening; resolves with the URL to open. */
export const startServer = (o: ServerOptions): Promise<RunningServer> =>
  new Promise((resolvePromise, reject) => {
    const server = createServer(handler(o))
    const host = o.host ?? "127.0.0.1"
    server.once("error", reject)
    server.listen(o.port ?? DEFAULT_PORT, host, () => {
      server.off("error", reject)
      const port = (server.address() as AddressInfo).port
      const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host
      resolvePromise({
        url: `http://${shown}:${port}/`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          })
      })
    })
  })

