// The viewer server: files only from inside their directory, traversal refused, unknown routes 404, live SSE
// that conflates for slow clients and never holds the simulation back; only its own host names are answered; a
// live run waits for its first viewer, is paced by viewers and may start over.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { hostname, networkInterfaces, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Effect, Fiber } from "effect"
import { Subject } from "rxjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeFrames } from "../../src/io/frames.js"
import { layoutGraph } from "../../src/io/layout.js"
import { metricColumns } from "../../src/model/metrics.js"
import { resolveInside } from "../../src/serve/files.js"
import { LiveHub, runLive } from "../../src/serve/live.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { ensureLayout, readRunInfo } from "../../src/serve/run-dir.js"
import { serveLive } from "../../src/serve/index.js"
import { allowedHosts, startServer, type RunningServer } from "../../src/serve/server.js"
import { latestWhenReady, streamEvents } from "../../src/serve/sse.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { worldColumns } from "../../src/model/engine.js"
import { scenario } from "../support/scenario.js"

/**
 * A raw request: the path is sent exactly as given (no URL normalisation) and headers such as Host may be forged,
 * like a hostile client would.
 */
export const get = (
  base: string,
  path: string,
  method = "GET",
  headers: Record<string, string> = {}
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> =>
  new Promise((resolve, reject) => {
    const u = new URL(base)
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = ""
      res.setEncoding("latin1")
      res.on("data", (c) => (body += c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on("error", reject)
    req.end()
  })

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

const smallJson = {
  name: "serve-test",
  seed: 2,
  ticks: 8,
  graph: { kind: "connectedCaveman", caves: 4, size: 5, groups: ["blue", "red"] },
  beliefs: [{ name: "a" }, { name: "b" }],
  groups: [{ name: "blue", content: { a: 1 } }, { name: "red", content: { b: 1 } }],
  memes: [{ name: "m", content: { a: 1, b: 1 }, intensity: 1 }],
  interventions: [{ kind: "seedMeme", meme: "m", target: { ids: ["0", "1"] } }]
}
const small = scenario(smallJson)

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
      const dir = await Effect.runPromise(runLive(hub, { out, rate: 200 }).pipe(Effect.provide(Scheduler.inProcess)))
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

describe("live mode with a plugin's viewable state", () => {
  it("serves frames carrying the plugin arrays its view declares, with their scale", async () => {
    const file = join(import.meta.dirname, "../../examples/plugins/conformist.json")
    const loaded = await loadScenarioWithPlugins(file, ["ticks=3", `graph={"kind":"erdosRenyi","n":200,"p":0.05}`])
    const world = prepareWorld(loaded.scenario, file, undefined, false, loaded.plugins)
    const hub = new LiveHub(world, worldColumns(world))
    const server = await startServer({ source: { kind: "live", hub }, viewer: tmp("kiln-viewer-"), port: 0 })
    try {
      const dir = await Effect.runPromise(runLive(hub, { out: join(tmp("kiln-live-"), "run") }).pipe(Effect.provide(Scheduler.inProcess)))
      const frame = decodeFrames(Buffer.from((await get(server.url, "/live/frame.bin")).body, "latin1"))
      expect(frame.pluginState.map(({ plugin, array, scale }) => ({ plugin, array, scale }))).toEqual([
        { plugin: "conformist", array: "trait", scale: { categories: ["0", "1"] } }
      ])
      expect(frame.pluginState[0].values(0)).toEqual(Float32Array.from(world.plugins[0].state.trait))
      const written = decodeFrames(readFileSync(join(dir, "frames.bin")))
      expect([written.count, written.pluginState[0].values(3)]).toEqual([4, frame.pluginState[0].values(0)])
    } finally {
      await server.close()
    }
  })
})

describe("live mode with meme evolution", () => {
  it("tells the viewer the run has lineages, serves frames with lineage ids and each agent's carried variants with their ancestry", async () => {
    const world = prepareWorld(scenario({ ...smallJson, ticks: 12, evolution: { memes: { mutation: { rate: 0.5 } } } }))
    const hub = new LiveHub(world, metricColumns(world))
    const server = await startServer({ source: { kind: "live", hub }, viewer: tmp("kiln-viewer-"), port: 0 })
    try {
      expect(JSON.parse((await get(server.url, "/api/info")).body)).toMatchObject({ lineages: true })
      await Effect.runPromise(runLive(hub, { out: join(tmp("kiln-live-"), "run") }).pipe(Effect.provide(Scheduler.inProcess)))
      const frame = decodeFrames(Buffer.from((await get(server.url, "/live/frame.bin")).body, "latin1"))
      const v = world.memeVariants!
      expect(Array.from(frame.lineage!(0))).toEqual(Array.from({ length: 20 }, (_, i) => v.dominantLineage(i)))
      expect(frame.lineages!.id.length).toBe(v.lineageCount)
      const agents = await Promise.all(Array.from({ length: 20 }, async (_, i) => JSON.parse((await get(server.url, `/live/agent/${i}`)).body)))
      const carried = agents.flatMap((a) => a.variants as Array<{ id: number; salience: number; root: number; ancestry: number[] }>)
      expect(carried.length).toBeGreaterThan(0)
      expect(carried.some((c) => c.ancestry.length > 0)).toBe(true)
      for (const c of carried) {
        const chain = [c.id, ...c.ancestry]
        chain.slice(0, -1).forEach((id, k) => expect(v.lineage(id).parent).toBe(chain[k + 1]))
        expect(v.lineage(chain.at(-1)!).parent).toBe(-1)
        expect(c.root).toBe(chain.at(-1))
      }
    } finally {
      await server.close()
    }
  })

  it("a run directory says whether it has lineages, from its scenario", () => {
    const runDir = (scenario: Record<string, unknown>) => {
      const dir = tmp("kiln-run-")
      writeFileSync(join(dir, "metrics.csv"), "tick\n0\n")
      writeFileSync(join(dir, "graph.json"), JSON.stringify({ nodes: [], edges: [] }))
      writeFileSync(join(dir, "manifest.json"), JSON.stringify({ scenario }))
      return dir
    }
    expect(readRunInfo(runDir({ name: "r" })).lineages).toBe(false)
    expect(readRunInfo(runDir({ name: "r", evolution: { memes: { slots: 4 } } })).lineages).toBe(true)
    expect(readRunInfo(runDir({ name: "r", evolution: { rituals: { every: 10 } } })).lineages).toBe(false)
  })
})

describe("Host header (DNS rebinding)", () => {
  const viewer = tmp("kiln-viewer-")
  writeFileSync(join(viewer, "index.html"), "viewer")
  const run = tmp("kiln-run-")
  writeFileSync(join(run, "manifest.json"), JSON.stringify({ scenario: { name: "r", memes: [], groups: [] }, seed: 1, ticks: 1, agents: 0, beliefs: [] }))
  for (const f of ["graph.json", "metrics.csv"]) writeFileSync(join(run, f), "")
  const serve = (host?: string) => startServer({ source: { kind: "run", dir: run, info: readRunInfo(run) }, viewer, port: 0, host })

  it("answers only the names it serves, with its port; anything else gets 403 and a short body", async () => {
    const server = await serve()
    try {
      const p = server.port
      for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LOCALHOST:${p}`, `[::1]:${p}`]) {
        expect((await get(server.url, "/api/info", "GET", { host })).status, host).toBe(200)
      }
      for (const host of ["evil.example", `evil.example:${p}`, `127.0.0.1:${p + 1}`, "127.0.0.1", `${hostname()}:${p}`, `localhost.evil.example:${p}`]) {
        const res = await get(server.url, "/api/info", "GET", { host })
        expect(res.status, host).toBe(403)
        expect(res.body.length).toBeLessThan(200)
        expect(res.body).not.toContain('"name"')
      }
      expect((await get(server.url, "/run/manifest.json", "GET", { host: "evil.example" })).status).toBe(403)
    } finally {
      await server.close()
    }
  })

  it("bound to every interface, lists the addresses it is reachable at and answers to them and the host name only", async () => {
    const server = await serve("0.0.0.0")
    try {
      const p = server.port
      const ipv4 = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((a) => a.family === "IPv4").map((a) => a.address)
      expect(server.urls).toEqual(expect.arrayContaining(ipv4.map((a) => `http://${a}:${p}/`)))
      expect(server.urls).toContain(`http://${hostname().toLowerCase()}:${p}/`)
      expect(server.url).toBe(`http://127.0.0.1:${p}/`)
      for (const host of [...ipv4.map((a) => `${a}:${p}`), `${hostname()}:${p}`, `localhost:${p}`]) {
        expect((await get(server.url, "/api/info", "GET", { host })).status, host).toBe(200)
      }
      expect((await get(server.url, "/api/info", "GET", { host: `evil.example:${p}` })).status).toBe(403)
    } finally {
      await server.close()
    }
  })

  it("a bound address is served under that address", async () => {
    const server = await serve("127.0.0.1")
    try {
      expect(server.urls).toEqual([server.url])
      expect(allowedHosts("10.1.2.3", 8737)).toEqual(new Set(["localhost:8737", "127.0.0.1:8737", "[::1]:8737", "10.1.2.3:8737"]))
      expect(allowedHosts("::1", 80)).toEqual(new Set(["localhost:80", "localhost", "127.0.0.1:80", "127.0.0.1", "[::1]:80", "[::1]"]))
    } finally {
      await server.close()
    }
  })
})

/** An SSE client: collects states until one has the given status, then disconnects. */
const statesUntil = (url: string, status: string): Promise<Array<{ status: string; tick: number; dir?: string }>> =>
  new Promise((resolve, reject) => {
    const u = new URL(url)
    const events: Array<{ status: string; tick: number; dir?: string }> = []
    request({ host: u.hostname, port: u.port, path: "/live" }, (res) => {
      let buf = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => {
        buf += c
        for (let k = buf.indexOf("\n\n"); k >= 0; k = buf.indexOf("\n\n")) {
          const data = /^data: (.*)$/m.exec(buf.slice(0, k))
          buf = buf.slice(k + 2)
          if (data) events.push(JSON.parse(data[1]))
          if (events.at(-1)?.status === status) {
            res.destroy()
            resolve(events)
          }
        }
      })
    }).on("error", reject).end()
  })

describe("kiln serve's live run", () => {
  it("steps on the threads asked, writes the same run as one thread, and its manifest says how many", async () => {
    const viewer = tmp("kiln-viewer-")
    writeFileSync(join(viewer, "index.html"), "<!doctype html><title>viewer</title>")
    // 1,100 agents: enough for two threads to share the host, settle and measure phases.
    const s = scenario({ ticks: 6, recordEvery: 2, graph: { kind: "erdosRenyi", n: 1100, p: 0.005 }, beliefs: [{ name: "a" }, { name: "b" }] })
    const runOn = (workers: number) =>
      Effect.runPromise(serveLive(prepareWorld(s, "<scenario>", undefined, workers > 1), {
        viewer, port: 0, out: join(tmp("kiln-live-threads-"), "run"), rate: 0, workers, exitWhenDone: true, announce: () => {}, log: () => {}
      }))
    const [one, two] = [await runOn(1), await runOn(2)]
    expect(JSON.parse(readFileSync(join(one, "manifest.json"), "utf8")).workers).toBe(1)
    expect(JSON.parse(readFileSync(join(two, "manifest.json"), "utf8")).workers).toBe(2)
    for (const f of ["metrics.csv", "agents.parquet", "frames.bin"]) expect(readFileSync(join(two, f)), f).toEqual(readFileSync(join(one, f)))
  })

  it("runs a scenario's plugins: their reporter column in metrics.csv, the same on 2 threads, and again after a restart", async () => {
    const viewer = tmp("kiln-viewer-")
    writeFileSync(join(viewer, "index.html"), "viewer")
    const file = join(import.meta.dirname, "../../examples/plugins/conformist.json")
    const loaded = await loadScenarioWithPlugins(file, ["ticks=4", `graph={"kind":"erdosRenyi","n":1100,"p":0.005}`])
    const world = (workers: number) => prepareWorld(loaded.scenario, file, undefined, workers > 1, loaded.plugins)
    const runOn = (workers: number) =>
      Effect.runPromise(serveLive(world(workers), {
        viewer, port: 0, out: join(tmp("kiln-live-plugin-"), "run"), rate: 0, workers, exitWhenDone: true, announce: () => {}, log: () => {}
      }))
    const [one, two] = [await runOn(1), await runOn(2)]
    const csv = readFileSync(join(one, "metrics.csv"), "utf8").split("\n")
    const header = csv[0].split(",")
    expect(header.at(-1)).toBe("trait_p")
    const p = Number(csv[1].split(",").at(-1))
    expect(p).toBeGreaterThan(0.5)
    expect(p).toBeLessThan(0.7)
    for (const f of ["metrics.csv", "agents.parquet"]) expect(readFileSync(join(two, f)), f).toEqual(readFileSync(join(one, f)))
    const hub = new LiveHub(world(1), worldColumns(world(1)))
    hub.reset()
    expect(hub.world.plugins.map((q) => q.plugin.name)).toEqual(["conformist"])
  })

  it("waits for the first viewer, takes its pace from viewers, and runs again on request once ended", async () => {
    const viewer = tmp("kiln-viewer-")
    writeFileSync(join(viewer, "index.html"), "viewer")
    const out = join(tmp("kiln-live-"), "run")
    const lines: string[] = []
    let announced: (url: string) => void = () => {}
    const url = new Promise<string>((resolve) => (announced = resolve))
    const fiber = Effect.runFork(
      serveLive(prepareWorld(small), { viewer, port: 0, out, rate: 2, waitForViewer: true, announce: (u) => announced(u), log: (l) => lines.push(l) })
    )
    try {
      const base = await url
      await new Promise((r) => setTimeout(r, 400))
      // Nobody has opened the page: the run has not started.
      expect(JSON.parse((await get(base, "/live/metrics.json")).body).rows).toHaveLength(0)
      expect(lines.join("\n")).toMatch(/waiting for a viewer; the run starts when http:\/\/127\.0\.0\.1:\d+\/ is opened/)
      expect(JSON.parse((await get(base, "/api/info")).body).rate).toBe(2)
      for (const bad of ["", "?rate=", "?rate=abc", "?rate=-1", "?rate=1e9", "?rate=NaN"]) {
        expect((await get(base, `/live/speed${bad}`, "POST")).status, bad).toBe(400)
      }
      expect((await get(base, "/live/speed?rate=200", "POST", { origin: "http://evil.example" })).status).toBe(403)
      expect((await get(base, "/live/restart", "POST")).status).toBe(409)
      const speed = await get(base, "/live/speed?rate=200", "POST", { origin: base.replace(/\/$/, "") })
      expect([speed.status, JSON.parse(speed.body)]).toEqual([200, { rate: 200 }])
      expect(JSON.parse((await get(base, "/api/info")).body).rate).toBe(200)
      // At 2 ticks/s the 8 ticks would take 4 s; the viewer's 200 ticks/s makes it quick.
      const started = Date.now()
      const first = await statesUntil(base, "done")
      expect(Date.now() - started).toBeLessThan(3000)
      expect(first.at(-1)).toMatchObject({ status: "done", tick: 8, dir: out })
      expect(first.filter((e) => e.status === "running").length).toBeGreaterThan(1)

      expect((await get(base, "/live/restart", "POST")).status).toBe(200)
      const again = await statesUntil(base, "done")
      expect(again[0].status).toBe("running")
      expect(again[0].tick).toBeLessThan(8)
      expect(again.at(-1)).toMatchObject({ status: "done", tick: 8, dir: out })
      expect(readdirSync(dirname(out))).toEqual(["run"])
      expect(lines.join("\n")).toContain("a viewer restarted the run")
    } finally {
      await Effect.runPromise(Fiber.interrupt(fiber))
    }
  })
})
