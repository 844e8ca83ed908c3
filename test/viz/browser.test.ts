// The viewer in a real browser (Debian Chromium, headless, WebGL through SwiftShader): a finished run is drawn,
// playback recolours nodes, clicks open the inspector, traversal fails, and live mode follows a running simulation
// that starts when the page opens, is paced from the page's speed selector and restarts from its button; a run
// with meme evolution is coloured by lineage, draws its Muller panel and lists an agent's variant's ancestry; a
// plugin's viewable state is a colour mode with its legend, and the inspector shows the agent's value.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Fiber } from "effect"
import type { BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { worldColumns } from "../../src/model/engine.js"
import { metricColumns } from "../../src/model/metrics.js"
import { loadScenarioWithPlugins } from "../../src/run/plugins.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { LiveHub, runLive } from "../../src/serve/live.js"
import { Scheduler } from "../../src/run/scheduler.js"
import { readRunInfo } from "../../src/serve/run-dir.js"
import { serveLive } from "../../src/serve/index.js"
import { startServer, type RunningServer } from "../../src/serve/server.js"
import { buildViewer, canvasStats, chromiumAvailable, launch, openViewer, smallDefault, VIEWER, writeSmallRun } from "./browser.js"

declare const window: { kiln: any }
declare const document: any

const available = chromiumAvailable()
const N = 400

describe.skipIf(!available)("the viewer in Chromium", () => {
  let ctx: BrowserContext
  let server: RunningServer
  let page: Page

  beforeAll(async () => {
    buildViewer()
    const world = smallDefault(N / 20, 40)
    const runDir = await writeSmallRun(world, join(mkdtempSync(join(tmpdir(), "kiln-viz-")), "run"))
    writeFileSync(join(runDir, "..", "secret.txt"), "secret")
    server = await startServer({ source: { kind: "run", dir: runDir, info: readRunInfo(runDir) }, viewer: VIEWER, port: 0 })
    ctx = await launch()
    page = await openViewer(ctx, server.url)
  })
  afterAll(async () => {
    await ctx?.close()
    await server?.close()
  })

  it("loads a finished run and draws the graph (the WebGL canvas is not blank)", async () => {
    expect(await page.evaluate(() => [window.kiln.mode, window.kiln.frameCount])).toEqual(["run", 41])
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
    // A blank canvas has variance 0; at tick 0 the nodes are mostly the dim grey of "no meme" on a dark ground.
    const { variance, drawn } = await canvasStats(page)
    expect(variance).toBeGreaterThan(5)
    expect(drawn).toBeGreaterThan(0.005)
    expect(await page.locator(".uplot").count()).toBe(4)
    expect(await page.locator("#legend").textContent()).toMatch(/spark.*ember.*no meme/)
  })

  it("plays: the tick advances and node colours change", async () => {
    const colours = () => page.evaluate((n) => Array.from({ length: n }, (_, i) => window.kiln.colourOf(i)), N)
    expect(await page.evaluate(() => window.kiln.tick)).toBe(0)
    const before = await colours()
    await page.selectOption("#speed", "20")
    await page.click("#play")
    await page.waitForFunction(() => window.kiln.frame >= 25, null, { timeout: 15_000 })
    await page.evaluate(() => window.kiln.player.pause())
    const tick = await page.evaluate(() => window.kiln.tick)
    expect(tick).toBeGreaterThanOrEqual(25)
    expect(await page.locator("#tick").textContent()).toContain(`tick ${tick}`)
    const changed = (await colours()).filter((c, i) => c !== before[i]).length
    expect(changed).toBeGreaterThan(N / 20)
  })

  it("opens the inspector on a click, with the agent's belief network as a second sigma", async () => {
    await page.evaluate(() => window.kiln.player.seek(30))
    await page.waitForTimeout(200)
    const p = await page.evaluate(() => window.kiln.nodeScreen(0))
    await page.mouse.click(p.x, p.y)
    await page.waitForFunction(() => window.kiln.inspectorOpen(), null, { timeout: 5_000 })
    const net = await page.evaluate(() => window.kiln.inspectorNetwork())
    expect(net.nodes).toBe(10) // 8 declared beliefs + one identity belief per group
    expect(net.edges).toBeGreaterThan(0)
    expect(await page.locator("#inspector .net canvas").count()).toBeGreaterThan(0)
    expect(await page.locator("#inspector .beliefs li").count()).toBe(10)
    expect(await page.locator("#inspector").textContent()).toContain("Agent 0")
    await page.keyboard.press("Escape")
    expect(await page.evaluate(() => window.kiln.inspectorOpen())).toBe(false)
  })

  it("refuses path traversal from the page", async () => {
    const answers = await page.evaluate(async () => {
      const out: Array<[string, number, string]> = []
      for (const path of ["run/..%2fsecret.txt", "run/%2e%2e/secret.txt", "run/..%5csecret.txt", "run/%2F..%2Fsecret.txt", "../../../etc/passwd"]) {
        const res = await fetch(path)
        out.push([path, res.status, await res.text()])
      }
      return out
    })
    for (const [path, status, body] of answers) {
      expect([400, 404], path).toContain(status)
      expect(body).not.toContain("secret")
    }
  })

  it("live mode receives ticks from a running simulation, then plays the written run back", async () => {
    const world = smallDefault(N / 20, 40)
    const hub = new LiveHub(world, metricColumns(world))
    const live = await startServer({ source: { kind: "live", hub }, viewer: VIEWER, port: 0 })
    const out = join(mkdtempSync(join(tmpdir(), "kiln-viz-live-")), "run")
    const livePage = await openViewer(ctx, live.url)
    // Start stepping once the page listens, so that it sees the run from its first ticks.
    const fiber = Effect.runFork(runLive(hub, { out, rate: 15 }).pipe(Effect.provide(Scheduler.inProcess)))
    try {
      expect(await livePage.evaluate(() => window.kiln.mode)).toBe("live")
      expect(await livePage.locator("#mode").textContent()).toBe("live")
      await Effect.runPromise(Fiber.join(fiber))
      await livePage.waitForFunction(() => window.kiln.frameCount > 1, null, { timeout: 20_000 })
      const ticks: number[] = await livePage.evaluate(() => window.kiln.liveTicks)
      expect(new Set(ticks).size).toBeGreaterThan(2)
      expect(ticks).toEqual([...ticks].sort((a, b) => a - b))
      expect(await livePage.evaluate(() => window.kiln.liveStates)).toBeGreaterThan(2)
      expect(await livePage.locator("#mode").textContent()).toBe("playback")
      expect(await livePage.evaluate(() => [window.kiln.tick, window.kiln.frameCount])).toEqual([40, 41])
    } finally {
      await Effect.runPromise(Fiber.interrupt(fiber))
      await livePage.close()
      await live.close()
    }
  })

  it("kiln serve's live run starts when the page opens, takes its pace from the speed selector and restarts", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kiln-viz-live-")), "run")
    let announced: (url: string) => void = () => {}
    const url = new Promise<string>((r) => (announced = r))
    const fiber = Effect.runFork(
      serveLive(smallDefault(N / 20, 40), { viewer: VIEWER, port: 0, out, rate: 1, waitForViewer: true, announce: (u) => announced(u), log: () => {} })
    )
    const base = await url
    const info = async () => JSON.parse(await (await fetch(`${base}api/info`)).text())
    const rows = async () => JSON.parse(await (await fetch(`${base}live/metrics.json`)).text()).rows.length
    try {
      await new Promise((r) => setTimeout(r, 500))
      expect(await rows()).toBe(0)
      const livePage = await openViewer(ctx, base)
      expect(await livePage.locator("#speed").isDisabled()).toBe(false)
      expect(await livePage.locator("#speed").inputValue()).toBe("1")
      await livePage.waitForFunction(() => window.kiln.liveStates > 1, null, { timeout: 20_000 })
      // At 1 tick/s the 40 ticks would take 40 s; "max" lifts the limit.
      await livePage.selectOption("#speed", "1000")
      await livePage.waitForFunction(() => window.kiln.liveRate === 0, null, { timeout: 5_000 })
      expect((await info()).rate).toBe(0)
      await livePage.waitForFunction(() => window.kiln.frameCount > 1, null, { timeout: 30_000 })
      expect(await livePage.locator("#restart").isVisible()).toBe(true)
      await Promise.all([livePage.waitForEvent("load"), livePage.click("#restart")])
      await livePage.waitForFunction(() => window.kiln?.ready === true && window.kiln.mode === "live", null, { timeout: 30_000 })
      await livePage.waitForFunction(() => window.kiln.frameCount > 1, null, { timeout: 30_000 })
      expect(await livePage.evaluate(() => window.kiln.liveStates)).toBeGreaterThan(0)
      expect(await livePage.evaluate(() => [window.kiln.tick, window.kiln.frameCount])).toEqual([40, 41])
      await livePage.close()
    } finally {
      await Effect.runPromise(Fiber.interrupt(fiber))
    }
  })
})

describe.skipIf(!available)("an evolution run in Chromium", () => {
  let ctx: BrowserContext
  let server: RunningServer
  let page: Page

  beforeAll(async () => {
    buildViewer()
    const world = smallDefault(N / 20, 40, ['evolution={"memes":{"mutation":{"rate":0.2}}}'])
    const runDir = await writeSmallRun(world, join(mkdtempSync(join(tmpdir(), "kiln-viz-evolution-")), "run"))
    server = await startServer({ source: { kind: "run", dir: runDir, info: readRunInfo(runDir) }, viewer: VIEWER, port: 0 })
    ctx = await launch()
    page = await openViewer(ctx, server.url)
  })
  afterAll(async () => {
    await ctx?.close()
    await server?.close()
  })

  it("colours agents by lineage and draws the Muller panel with the tick marked", async () => {
    expect(await page.locator("#colour-by option[value=lineage]").count()).toBe(1)
    expect(await page.evaluate(() => window.kiln.mullerClades())).toBeGreaterThan(2)
    await page.selectOption("#colour-by", "lineage")
    await page.evaluate(() => window.kiln.player.seek(40))
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
    const colours: string[] = await page.evaluate((n) => Array.from({ length: n }, (_, i) => window.kiln.colourOf(i)), N)
    // founders' hues and their variants' lightnesses: more colours than the two memes and "none"
    expect(new Set(colours).size).toBeGreaterThan(3)
    const { variance, drawn } = await canvasStats(page)
    expect(variance).toBeGreaterThan(5)
    expect(drawn).toBeGreaterThan(0.005)
    expect(await page.locator("#legend").textContent()).toMatch(/spark and its variants.*ember and its variants.*no variant/)
    // the panel: many colours in its bands, and the tick marker moves with the cursor
    const panel = () => page.evaluate(() => {
      const c = document.querySelector("#muller canvas")
      const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data
      const seen = new Set<number>()
      for (let o = 0; o < px.length; o += 4) seen.add((px[o] << 16) | (px[o + 1] << 8) | px[o + 2])
      return { colours: seen.size, pixels: Array.from(px) }
    })
    const late = await panel()
    expect(late.colours).toBeGreaterThan(10)
    await page.evaluate(() => window.kiln.player.seek(10))
    const early = await panel()
    expect(early.pixels).not.toEqual(late.pixels)
  })

  it("names the clade under the pointer in the Muller panel, and a click there shows that tick", async () => {
    const box = (await page.locator("#muller canvas").boundingBox())!
    // three quarters across (tick 30 of 0…40), a quarter up from the bottom of the plot: inside the bands
    await page.mouse.move(box.x + 30 + 0.75 * (box.width - 36), box.y + box.height - 18 - 0.25 * (box.height - 38))
    expect(await page.locator("#muller .caption").textContent()).toMatch(/^#\d+ \((spark|ember)\) · \d+ mutations · [\d.]+% of agents at tick 30$/)
    await page.mouse.down()
    await page.mouse.up()
    expect(await page.evaluate(() => window.kiln.tick)).toBe(30)
  })

  it("lists the clicked agent's dominant variant and its ancestry back to the founder", async () => {
    await page.evaluate(() => window.kiln.player.seek(40))
    // an agent that carries a variant: not the grey of "none"
    const carrier: number = await page.evaluate((n) => Array.from({ length: n }, (_, i) => window.kiln.colourOf(i)).findIndex((c) => c !== "#39404d"), N)
    expect(carrier).toBeGreaterThanOrEqual(0)
    const p = await page.evaluate((i) => window.kiln.nodeScreen(i), carrier)
    await page.mouse.click(p.x, p.y)
    await page.waitForFunction(() => window.kiln.inspectorOpen(), null, { timeout: 5_000 })
    expect(await page.locator("#inspector .variants").textContent()).toMatch(/^dominant at tick 40: #\d+ \((spark|ember)\)( · founder|( ← #\d+)* ← #[01])$/)
    await page.keyboard.press("Escape")
  })

  it("live, lays out the lineages as frames arrive and lists a clicked agent's carried variants", async () => {
    const world = smallDefault(N / 20, 40, ['evolution={"memes":{"mutation":{"rate":0.2}}}'])
    const hub = new LiveHub(world, metricColumns(world))
    const live = await startServer({ source: { kind: "live", hub }, viewer: VIEWER, port: 0 })
    const livePage = await openViewer(ctx, live.url)
    const fiber = Effect.runFork(runLive(hub, { out: join(mkdtempSync(join(tmpdir(), "kiln-viz-live-")), "run"), rate: 20 }).pipe(Effect.provide(Scheduler.inProcess)))
    try {
      await livePage.waitForFunction(() => window.kiln.mullerClades() > 2 && window.kiln.tick >= 20, null, { timeout: 20_000 })
      await livePage.selectOption("#colour-by", "lineage")
      const carrier: number = await livePage.evaluate((n) => Array.from({ length: n }, (_, i) => window.kiln.colourOf(i)).findIndex((c) => c !== "#39404d"), N)
      const p = await livePage.evaluate((i) => window.kiln.nodeScreen(i), carrier)
      await livePage.mouse.click(p.x, p.y)
      await livePage.waitForFunction(() => window.kiln.inspectorOpen(), null, { timeout: 5_000 })
      expect(await livePage.locator("#inspector .variants li").allTextContents()).toContainEqual(
        expect.stringMatching(/^carried at tick \d+: #\d+ \((spark|ember)\) · salience \d\.\d\d( · founder|( ← #\d+)* ← #[01])$/)
      )
      await Effect.runPromise(Fiber.join(fiber))
      await livePage.waitForFunction(() => window.kiln.frameCount > 1, null, { timeout: 20_000 })
      expect(await livePage.evaluate(() => window.kiln.mullerClades())).toBeGreaterThan(2)
    } finally {
      await Effect.runPromise(Fiber.interrupt(fiber))
      await livePage.close()
      await live.close()
    }
  })
})

describe.skipIf(!available)("a plugin run in Chromium", () => {
  let ctx: BrowserContext
  let server: RunningServer
  let page: Page
  // the group palette's first two colours, which categories 0 and 1 take; and the grey of "no meme"
  const [ZERO, ONE, GREY] = ["#5b8def", "#e5534b", "#39404d"]
  // examples/plugins/conformist.json, well mixed as written but 300 agents (not 2,000: 2 million edges)
  const file = join(import.meta.dirname, "../../examples/plugins/conformist.json")

  beforeAll(async () => {
    buildViewer()
    const { scenario, plugins } = await loadScenarioWithPlugins(file, ["ticks=10", `graph={"kind":"complete","n":300}`])
    const world = prepareWorld(scenario, file, undefined, false, plugins)
    const runDir = await writeSmallRun(world, join(mkdtempSync(join(tmpdir(), "kiln-viz-plugin-")), "run"))
    server = await startServer({ source: { kind: "run", dir: runDir, info: readRunInfo(runDir) }, viewer: VIEWER, port: 0 })
    ctx = await launch()
    page = await openViewer(ctx, server.url)
  })
  afterAll(async () => {
    await ctx?.close()
    await server?.close()
  })

  it("offers conformist.trait as a colour mode; selecting it recolours the canvas by trait, with a legend of its categories", async () => {
    expect(await page.locator("#colour-by option[value='conformist.trait']").textContent()).toBe("conformist.trait")
    const colours = () => page.evaluate(() => Array.from({ length: 300 }, (_, i) => window.kiln.colourOf(i)))
    // no memes in this scenario: every agent is "no meme" grey, and the canvas has neither trait colour
    expect(new Set(await colours())).toEqual(new Set([GREY]))
    const before = await canvasStats(page, [ZERO, ONE])
    expect(before.shares).toEqual([0, 0])
    await page.selectOption("#colour-by", "conformist.trait")
    expect(new Set(await colours())).toEqual(new Set([ZERO, ONE]))
    const after = await canvasStats(page, [ZERO, ONE])
    expect(after.shares[0]).toBeGreaterThan(0.001)
    expect(after.shares[1]).toBeGreaterThan(0.001)
    expect(await page.locator("#legend").textContent()).toBe("conformist.trait01other")
    // p0 = 0.6 at tick 0: more agents with trait 1 than 0
    expect(after.shares[1]).toBeGreaterThan(after.shares[0])
  })

  it("shows the clicked agent's trait at the tick shown in the inspector", async () => {
    await page.evaluate(() => window.kiln.player.seek(5))
    const p = await page.evaluate(() => window.kiln.nodeScreen(0))
    await page.mouse.click(p.x, p.y)
    await page.waitForFunction(() => window.kiln.inspectorOpen(), null, { timeout: 5_000 })
    // well mixed, the layout piles agents up: the click may open a neighbour of agent 0, so ask which one it opened
    const colour: string = await page.evaluate(() => {
      const key = document.querySelector("#inspector .key").textContent
      return window.kiln.colourOf(window.kiln.view.graph.getNodeAttribute(key, "i"))
    })
    expect(await page.locator("#inspector .plugin-state").textContent()).toBe(`conformist.trait: ${colour === ONE ? 1 : 0}`)
    await page.keyboard.press("Escape")
  })

  it("live, offers the mode once the first frame arrives and colours by the trait as the run goes", async () => {
    const { scenario, plugins } = await loadScenarioWithPlugins(file, ["ticks=20", `graph={"kind":"complete","n":300}`])
    const world = prepareWorld(scenario, file, undefined, false, plugins)
    const hub = new LiveHub(world, worldColumns(world))
    const live = await startServer({ source: { kind: "live", hub }, viewer: VIEWER, port: 0 })
    const livePage = await openViewer(ctx, live.url)
    const fiber = Effect.runFork(runLive(hub, { out: join(mkdtempSync(join(tmpdir(), "kiln-viz-live-")), "run"), rate: 10 }).pipe(Effect.provide(Scheduler.inProcess)))
    try {
      await livePage.waitForFunction(() => window.kiln.liveFrames > 0, null, { timeout: 20_000 })
      await livePage.selectOption("#colour-by", "conformist.trait")
      expect(await livePage.evaluate(() => window.kiln.mode)).toBe("live")
      const colours: string[] = await livePage.evaluate(() => Array.from({ length: 300 }, (_, i) => window.kiln.colourOf(i)))
      expect(colours.every((c) => c === ZERO || c === ONE)).toBe(true)
      await Effect.runPromise(Fiber.join(fiber))
      await livePage.waitForFunction(() => window.kiln.frameCount > 1, null, { timeout: 20_000 })
      // playback of the written run keeps the mode: at the last tick conformity has made trait 1 (nearly) universal
      const last: string[] = await livePage.evaluate(() => Array.from({ length: 300 }, (_, i) => window.kiln.colourOf(i)))
      expect(last.filter((c) => c === ONE).length).toBeGreaterThan(270)
    } finally {
      await Effect.runPromise(Fiber.interrupt(fiber))
      await livePage.close()
      await live.close()
    }
  })
})
