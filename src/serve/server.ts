// The viewer's HTTP server (node:http): the built viewer, a run directory's files, and in live mode the stream
// of tick states (SSE at /live) with snapshots of the newest node state. Binds 127.0.0.1 unless told otherwise,
// and answers only requests whose Host header names this server (a page on another site that rebinds its own
// name to 127.0.0.1 gets 403, not the run).
//
//   GET /                 viewer (viz/dist), any file inside it
//   GET /api/info         { mode, name, memes, groups, beliefs, view, … }
//   GET /api/aggregate    the community graph of a large run · /api/community/<k> community k's agents (drill-down)
//   GET /run/<file>       a file of the run directory (live mode: once the run is written)
//   GET /live             SSE: event "state" with LiveState, newest wins          (live mode)
//   GET /live/graph.json  graph with layout · /live/metrics.json rows so far · /live/frame.bin newest frame
//   GET /live/agent/<i>   agent i: energy trace, beliefs, couplings
//   POST /live/speed?rate=R   pace the live run at R ticks/s (0: no limit) · POST /live/restart   run it again once ended
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { hostname, networkInterfaces } from "node:os"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { map } from "rxjs"
import { resolveInside, sendFile, sendStatus } from "./files.js"
import { describeWorld, MAX_LIVE_RATE, type LiveHub } from "./live.js"
import type { Aggregate } from "./aggregate.js"
import type { RunInfo } from "./info.js"
import { openEventStream, streamEvents } from "./sse.js"

export type Source =
  | { readonly kind: "run"; readonly dir: string; readonly info: RunInfo; readonly aggregate?: Aggregate }
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
  /** every URL the server can be reached at (more than one when bound to all interfaces) */
  readonly urls: ReadonlyArray<string>
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

/** JSON already encoded. */
const sendRaw = (res: ServerResponse, body: string, head: boolean) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), "cache-control": "no-cache" })
  res.end(head ? undefined : body)
}

const sendBytes = (res: ServerResponse, bytes: Uint8Array, head: boolean) => {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.byteLength, "cache-control": "no-cache" })
  res.end(head ? undefined : bytes)
}

const WILDCARD = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0"])

/** True for a bind address that listens on every interface (the viewer is then visible to the network). */
export const isWildcard = (host: string): boolean => WILDCARD.has(host)

/** An address as written in a URL or Host header: IPv6 in brackets. */
const bracket = (address: string) => (address.includes(":") ? `[${address}]` : address)

/**
 * The host names a server bound to `host` is reached by, without port: loopback names always; the bound address;
 * for a wildcard address every interface address of its family (both for `::`) and the machine's host name.
 */
export const servedNames = (host: string): ReadonlyArray<string> => {
  const names = new Set(["localhost", "127.0.0.1", "[::1]"])
  if (!isWildcard(host)) names.add(bracket(host.toLowerCase()))
  else {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        // Link-local IPv6 needs a zone id that browsers do not send in Host; those addresses are left out.
        if (a.family === "IPv6" && (host === "0.0.0.0" || a.address.toLowerCase().startsWith("fe80"))) continue
        names.add(bracket(a.address.toLowerCase()))
      }
    }
    names.add(hostname().toLowerCase())
  }
  return [...names]
}

/** The Host header values accepted: each served name with the port (and bare, on port 80, where browsers omit it). */
export const allowedHosts = (host: string, port: number): ReadonlySet<string> =>
  new Set(servedNames(host).flatMap((name) => (port === 80 ? [`${name}:80`, name] : [`${name}:${port}`])))

/** The request handler; exported for tests that drive it without a socket. */
export const handler = (o: ServerOptions) => {
  const viewer = o.viewer ?? defaultViewerDir()
  const source = o.source
  const info = () =>
    source.kind === "run" ? { mode: "run", ...source.info, view: source.aggregate ? "aggregate" : "graph" } : { mode: "live", ...describeWorld(source.hub.world), rate: source.hub.rate }

  /** The live run's controls: its pace, and starting over once it has ended. */
  const control = (hub: LiveHub, path: string, query: string, res: ServerResponse) => {
    if (path === "/live/speed") {
      const raw = new URLSearchParams(query).get("rate")
      const rate = raw === null || raw.trim() === "" ? Number.NaN : Number(raw)
      if (!(rate >= 0 && rate <= MAX_LIVE_RATE)) {
        return sendStatus(res, 400, `bad request: rate must be ticks per second, 0..${MAX_LIVE_RATE} (0: no limit), got ${JSON.stringify(raw)}`)
      }
      hub.rate = rate
      return sendJson(res, { rate }, false)
    }
    return hub.requestRestart() ? sendJson(res, { restarted: true }, false) : sendStatus(res, 409, "conflict: the live run has not ended yet")
  }

  const live = (hub: LiveHub, rest: string, req: IncomingMessage, res: ServerResponse, head: boolean) => {
    if (rest === "") {
      hub.viewerJoined()
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

  return (req: IncomingMessage, res: ServerResponse, hosts?: ReadonlySet<string>): void => {
    const host = (req.headers.host ?? "").toLowerCase()
    if (hosts !== undefined && !hosts.has(host)) {
      return sendStatus(res, 403, `forbidden: this Kiln viewer does not answer to host "${host}"; open it by ${[...hosts][0]}`)
    }
    const method = req.method ?? "GET"
    const url = req.url ?? "/"
    const path = url.split(/[?#]/, 1)[0]
    if (method === "POST" && source.kind === "live" && (path === "/live/speed" || path === "/live/restart")) {
      // A page on another site may post here too (the Host is ours): only this viewer's own pages may.
      const origin = req.headers.origin
      if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return sendStatus(res, 403, `forbidden: requests from ${origin}`)
      return control(source.hub, path, url.slice(path.length + 1).split("#", 1)[0], res)
    }
    if (method !== "GET" && method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD")
      return sendStatus(res, 405, "method not allowed")
    }
    const head = method === "HEAD"
    // Only origin-form paths; the raw path is kept (no URL normalisation) so that traversal is seen and refused.
    if (!url.startsWith("/")) return sendStatus(res, 400, "bad request: expected a path starting with /")
    if (path === "/api/info") return sendJson(res, info(), head)
    if (path === "/api/aggregate" || path.startsWith("/api/community/")) {
      const aggregate = source.kind === "run" ? source.aggregate : undefined
      if (aggregate === undefined) return sendStatus(res, 404, "not found: this run is shown whole, not as communities")
      if (path === "/api/aggregate") return sendRaw(res, aggregate.toJson(), head)
      const k = /^\/api\/community\/(\d{1,9})$/.exec(path)
      const drill = k ? aggregate.drill(Number(k[1])) : undefined
      if (drill === undefined) return sendStatus(res, 404, `not found: no community ${JSON.stringify(path.slice("/api/community/".length))}`)
      drill.then(
        (json) => sendRaw(res, json, head),
        (e) => sendStatus(res, 500, `drill-down failed: ${String(e)}`)
      )
      return
    }
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
    const handle = handler(o)
    // Known once listening (port 0 picks one).
    let hosts: ReadonlySet<string> = new Set()
    const server = createServer((req, res) => handle(req, res, hosts))
    const host = o.host ?? "127.0.0.1"
    server.once("error", reject)
    server.listen(o.port ?? DEFAULT_PORT, host, () => {
      server.off("error", reject)
      const port = (server.address() as AddressInfo).port
      hosts = allowedHosts(host, port)
      const names = isWildcard(host) ? servedNames(host).filter((n) => n !== "localhost" && n !== "[::1]") : [bracket(host)]
      const urls = names.map((n) => `http://${n}:${port}/`)
      resolvePromise({
        url: urls[0],
        urls,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          })
      })
    })
  })

