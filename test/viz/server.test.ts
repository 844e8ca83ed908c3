// The viewer server: files only from inside their directory, traversal refused, unknown routes 404, live SSE
// that conflates for slow clients and never holds the simulation back.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Subject } from "rxjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeFrames } from "../../src/frames.js"
import { layoutGraph } from "../../src/layout.js"
import { metricColumns } from "../../src/metrics.js"
import { resolveInside } from "../../src/serve/files.js"
import { LiveHub, runLive } from "../../src/serve/live.js"
import { ensureLayout, readRunInfo } from "../../src/serve/run-dir.js"
import { startServer, type RunningServer } from "../../src/serve/server.js"
import { latestWhenReady, streamEvents } from "../../src/serve/sse.js"
import { prepareWorld } from "../../src/simulation.js"
import { scenario } from "../support/scenario.js"

/** A raw GET: the path is sent exactly as given (no URL normalisation), like a hostile client would. */
export const get = (base: string, path: string, method = "GET"): Promise<{ status: number; body: string; headers: Record<string, unknown> }> =>
  new Promise((resolve, reject) => {
    const u = new URL(base)
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = ""
      res.setEncoding("latin1")
      res.on("data", (c) => (body += c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on("error", reject)
    req.end()
  })

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

const small = scenario({
  name: "serve-test",
  seed: 2,
  ticks: 8,
  graph: { kind: "connectedCaveman", caves: 4, size: 5, groups: ["blue", "red"] },
  beliefs: [{ name: "a" }, { name: "b" }],
  groups: [{ name: "blue", content: { a: 1 } }, { name: "red", content: { b: 1 } }],
  memes: [{ name: "m", content: { a: 1, b: 1 }, intensity: 1 }],
  interventions: [{ kind: "seedMeme", meme: "m", target: { ids: ["0", "1"] } }]
})

describe("resolveInside", () => {
  const root = tmp("kiln-root-")
  mkdirSync(join(root, "sub"))
  writeFileSync(join(root, "a.txt"), "a")
  writeFileSync(join(root, "sub", "b.txt"), "b")
  writeFileSync(join(root, ".hidden"), "h")
  symlinkSync(tmpdir(), join(root, "out"))

  it("serves files inside the root", () => {
    expect(resolveInside(root, "a.txt")).toMatchObject({ status: 200, size: 1 })
    expect(resolveInside(root, "sub/b.txt")).toMatchObject({ status: 200 })
    expect(resolveInside(root, "./sub/%62.txt")).toMatchObject({ status: 200 })
  })

  it.each([
    ["..", 400], ["../a.txt", 400], ["sub/../../x", 400], ["%2e%2e/x", 400], ["..%2fx", 400], ["sub%2f..%2f..%2fx", 400],
    ["/etc/passwd", 400], ["%2Fetc%2Fpasswd", 400], ["..%5c..%5cx", 400], ["a.txt%00.png", 400], ["%zz", 400], ["C:%5cwindows", 400],
    ["nope.txt", 404], ["sub", 404], ["", 404], [".hidden", 404], ["out/anything", 404]
  ])("refuses %s with %i", (path, status) => {
    expect(resolveInside(root, path).status).toBe(status)
  })
})

describe("server routes (a finished run)", () => {
  let server: RunningServer
  const viewer = tmp("kiln-viewer-")
  const run = tmp("kiln-run-")

  beforeAll(async () => {
    mkdirSync(join(viewer, "assets"))
    writeFileSync(join(viewer, "index.html"), "<!doctype html><title>viewer</title>")
    writeFileSync(join(viewer, "assets", "app-1234.js"), "console.log(1)")
    writeFileSync(join(run, "metrics.csv"), "tick,x\n0,1\n")
    writeFileSync(join(run, "graph.json"), JSON.stringify({ nodes: [{ key: "0", attributes: {} }, { key: "1", attributes: {} }], edges: [{ source: "0", target: "1" }] }))
    writeFileSync(join(run, "manifest.json"), JSON.stringify({ scenario: { name: "r", memes: [{ name: "m" }], groups: [{ name: "g" }] }, seed: 4, ticks: 3, agents: 2, beliefs: ["a"] }))
    writeFileSync(join(tmpdir(), "kiln-secret.txt"), "secret")
    server = await startServer({ source: { kind: "run", dir: run, info: readRunInfo(run) }, viewer, port: 0 })
  })
  afterAll(() => server.close())

  it("binds 127.0.0.1 by default and serves the viewer, its assets and the run's files", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(await get(server.url, "/")).toMatchObject({ status: 200, body: expect.stringContaining("viewer") })
    const asset = await get(server.url, "/assets/app-1234.js")
    expect([asset.status, asset.headers["content-type"], asset.headers["cache-control"]]).toEqual([200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"])
    expect(await get(server.url, "/run/metrics.csv?x=1")).toMatchObject({ status: 200, body: "tick,x\n0,1\n" })
    const info = JSON.parse((await get(server.url, "/api/info")).body)
    expect(info).toMatchObject({ mode: "run", name: "r", memes: ["m"], groups: ["g"], beliefs: ["a"], seed: 4 })
    expect(await get(server.url, "/run/metrics.csv", "HEAD")).toMatchObject({ status: 200, body: "" })
  })

  it.each([
    ["/run/../package.json", 400], ["/run/%2e%2e/%2e%2e/package.json", 400], ["/run/..%2f..%2fpackage.json", 400],
    ["/run//etc/passwd", 400], ["/run/%2Fetc%2Fpasswd", 400], ["/../../../../etc/passwd", 400], ["/assets/../../package.json", 400],
    ["/run/..%2fkiln-secret.txt", 400], ["http://evil/run/metrics.csv", 400],
    ["/nope", 404], ["/run/nope.csv", 404], ["/run/", 404], ["/live", 404], ["/live/frame.bin", 404], ["/api/nope", 404]
  ])("answers %s with %i and never a file's content from outside", async (path, status) => {
    const res = await get(server.url, path)
    expect(res.status).toBe(status)
    expect(res.body).not.toMatch(/secret|"name": "kiln"|root:/)
  })

  it("refuses other methods with 405", async () => {
    expect((await get(server.url, "/", "POST")).status).toBe(405)
    expect((await get(server.url, "/run/metrics.csv", "DELETE")).status).toBe(405)
  })
})

describe("run directories", () => {
  it("get a layout once, cached in graph.json", async () => {
    const dir = tmp("kiln-layout-")
    writeFileSync(join(dir, "graph.json"), JSON.stringify({
      nodes: Array.from({ length: 6 }, (_, i) => ({ key: `n${i}`, attributes: { group: "g" } })),
      edges: [0, 1, 2, 3, 4].map((i) => ({ key: String(i), source: `n${i}`, target: `n${i + 1}` }))
    }))
    expect(await ensureLayout(dir, 1)).toBe(true)
    const g = JSON.parse(readFileSync(join(dir, "graph.json"), "utf8"))
    expect(g.nodes.every((n: { attributes: { x: unknown; y: unknown; group: string } }) => typeof n.attributes.x === "number" && typeof n.attributes.y === "number" && n.attributes.group === "g")).toBe(true)
    expect(await ensureLayout(dir, 1)).toBe(false)
  })

  it("lay out deterministically for a seed", () => {
    const g = prepareWorld(small).graph
    expect(layoutGraph(g, { seed: 3, iterations: 20 })).toEqual(layoutGraph(g, { seed: 3, iterations: 20 }))
    expect(layoutGraph(g, { seed: 3, iterations: 20 }).every(Number.isFinite)).toBe(true)
  })
})

describe("SSE conflation", () => {
  it("gives a backed-up client only the newest value once it drains, and completes after it", () => {
    const source = new Subject<number>()
    let ready = true
    let resume: (() => void) | undefined
    const got: number[] = []
    let done = false
    source.pipe(latestWhenReady(() => ready, (r) => (resume = r))).subscribe({ next: (v) => got.push(v), complete: () => (done = true) })
    source.next(1)
    ready = false
    source.next(2) // delivered; the consumer is now backed up
    source.next(3)
    source.next(4)
    source.complete()
    expect([got, done]).toEqual([[1, 2], false])
    ready = true
    resume!()
    expect([got, done]).toEqual([[1, 2, 4], true])
  })

  it("writes events in the SSE format and waits for drain when write returns false", () => {
    const source = new Subject<{ event: string; data: unknown }>()
    const written: string[] = []
    let drain: (() => void) | undefined
    streamEvents({ write: (c) => (written.push(c), written.length > 1 ? false : true), once: (_e, l) => (drain = l) }, source)
    source.next({ event: "state", data: { tick: 1 } })
    source.next({ event: "state", data: { tick: 2 } })
    source.next({ event: "state", data: { tick: 3 } })
    source.next({ event: "state", data: { tick: 4 } })
    expect(written).toEqual(['event: state\ndata: {"tick":1}\n\n', 'event: state\ndata: {"tick":2}\n\n'])
    drain!()
    expect(written.at(-1)).toBe('event: state\ndata: {"tick":4}\n\n')
    expect(written).toHaveLength(3)
  })
})

describe("live mode", () => {
  it("streams tick states, snapshots and agents while running, and a stalled client does not hold the run", async () => {
    const world = prepareWorld(small)
    const hub = new LiveHub(world, metricColumns(world))
    const viewer = tmp("kiln-viewer-")
    writeFileSync(join(viewer, "index.html"), "viewer")
    const server = await startServer({ source: { kind: "live", hub }, viewer, port: 0 })
    try {
      const u = new URL(server.url)
      // A client that never reads its socket.
      const stalled = request({ host: u.hostname, port: u.port, path: "/live" }, (res) => res.pause())
      stalled.end()
      const events: Array<{ status: string; tick: number; dir?: string }> = []
      const sse = new Promise<void>((resolve) => {
        request({ host: u.hostname, port: u.port, path: "/live" }, (res) => {
          expect(res.headers["content-type"]).toMatch(/^text\/event-stream/)
          let buf = ""
          res.setEncoding("utf8")
          res.on("data", (c: string) => {
            buf += c
            for (let k = buf.indexOf("\n\n"); k >= 0; k = buf.indexOf("\n\n")) {
              const block = buf.slice(0, k)
              buf = buf.slice(k + 2)
              const data = /^data: (.*)$/m.exec(block)
              if (data && /^event: state$/m.test(block)) events.push(JSON.parse(data[1]))
              if (events.at(-1)?.status === "done") {
                res.destroy()
                resolve()
              }
            }
          })
        }).end()
      })
      const out = join(tmp("kiln-live-"), "run")
      const dir = await Effect.runPromise(runLive(hub, { out, rate: 200 }))
      await sse
      expect(dir).toBe(out)
      const ticks = events.filter((e) => e.status === "running").map((e) => e.tick)
      expect(ticks.length).toBeGreaterThan(1)
      expect(ticks).toEqual([...ticks].sort((a, b) => a - b))
      expect(events.at(-1)).toMatchObject({ status: "done", tick: 8, dir: out })
      const frame = decodeFrames(Buffer.from((await get(server.url, "/live/frame.bin")).body, "latin1"))
      expect([frame.count, frame.ticks[0], frame.n]).toEqual([1, 8, 20])
      const agent = JSON.parse((await get(server.url, "/live/agent/3")).body)
      expect(agent).toMatchObject({ index: 3, key: "3", tick: 8 })
      expect(agent.couplings).toHaveLength(world.constants.P)
      expect(agent.energy).toHaveLength(9)
      expect((await get(server.url, "/live/agent/99")).status).toBe(404)
      const graph = JSON.parse((await get(server.url, "/live/graph.json")).body)
      expect(typeof graph.nodes[0].attributes.x).toBe("number")
      const metrics = JSON.parse((await get(server.url, "/live/metrics.json")).body)
      expect(metrics.rows).toHaveLength(9)
      expect((await get(server.url, "/run/frames.bin")).status).toBe(200)
      expect((await get(server.url, "/run/../frames.bin")).status).toBe(400)
      expect(JSON.parse((await get(server.url, "/api/info")).body)).toMatchObject({ mode: "live", name: "serve-test", memes: ["m"] })
      stalled.destroy()
    } finally {
      await server.close()
    }
  })
})
