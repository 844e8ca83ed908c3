// The viewer of a large run in Chromium: a run directory without graph.json opens as communities (drawn, sized by
// members, with an inspector), a click drills into one community's agents, and the back button returns.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectedCaveman } from "../../src/model/graph/generators.js"
import { openAggregate } from "../../src/serve/aggregate.js"
import { readRunInfo } from "../../src/serve/run-dir.js"
import { startServer, type RunningServer } from "../../src/serve/server.js"
import { writeFixtureRun } from "../serve/fixture.js"
import { buildViewer, chromiumAvailable, launch, openViewer, VIEWER } from "./browser.js"

declare const window: { kiln: any }
declare const document: any
declare const Image: any

const available = chromiumAvailable()
const CAVES = 40
const SIZE = 15

/** Luminance variance and the share of non-background pixels of the renderer drawn now (sigma's stage canvas). */
const drawn = (page: Page, which: "communities" | "agents") =>
  page.evaluate(async (w) => {
    const a = window.kiln.aggregate
    const r = w === "communities" ? a.renderer : a.drillView.renderer
    r.refresh()
    const img = new Image()
    img.src = r.getStageCanvas().toDataURL()
    await img.decode()
    const c = document.createElement("canvas")
    c.width = img.width
    c.height = img.height
    const ctx = c.getContext("2d")
    ctx.fillStyle = "#0e1117"
    ctx.fillRect(0, 0, c.width, c.height)
    ctx.drawImage(img, 0, 0)
    const px = ctx.getImageData(0, 0, c.width, c.height).data
    let s = 0, s2 = 0, on = 0
    for (let o = 0; o < px.length; o += 4) {
      const l = 0.2126 * px[o] + 0.7152 * px[o + 1] + 0.0722 * px[o + 2]
      s += l
      s2 += l * l
      if (Math.abs(px[o] - 14) + Math.abs(px[o + 1] - 17) + Math.abs(px[o + 2] - 23) > 30) on++
    }
    const count = px.length / 4
    return { variance: s2 / count - (s / count) ** 2, drawn: on / count }
  }, which)

describe.skipIf(!available)("the viewer of a large run in Chromium", () => {
  let ctx: BrowserContext
  let server: RunningServer
  let page: Page
  let sizes: number[]

  beforeAll(async () => {
    buildViewer()
    const g = connectedCaveman(CAVES, SIZE)
    const dir = await writeFixtureRun(join(mkdtempSync(join(tmpdir(), "kiln-viz-aggregate-")), "run"), {
      n: g.n, source: g.source, target: g.target, seed: 4,
      // Caves host memes by position, so communities differ in colour.
      meme: (i) => ["spark", "ember", "ash", ""][Math.floor(i / SIZE) % 4]
    })
    const info = readRunInfo(dir)
    const aggregate = await openAggregate(dir, info)
    sizes = aggregate.graph.communities.map((c) => c.members)
    server = await startServer({ source: { kind: "run", dir, info, aggregate }, viewer: VIEWER, port: 0 })
    ctx = await launch()
    page = await openViewer(ctx, server.url)
  })
  afterAll(async () => {
    await ctx?.close()
    await server?.close()
  })

  it("opens as communities: drawn, one node per community, sized by members and coloured by meme", async () => {
    expect(await page.evaluate(() => window.kiln.aggregate.communities)).toBe(sizes.length)
    expect(sizes.length).toBeGreaterThanOrEqual(CAVES - 2)
    const { variance, drawn: on } = await drawn(page, "communities")
    expect(variance).toBeGreaterThan(5)
    expect(on).toBeGreaterThan(0.002)
    const colours = await page.evaluate(() => window.kiln.aggregate.renderer.getGraph().mapNodes((_: string, a: any) => a.color))
    expect(new Set(colours).size).toBeGreaterThanOrEqual(4)
    expect(await page.locator("#status").textContent()).toMatch(/600 agents in \d+ communities \(label propagation/)
    expect(await page.locator("#legend").textContent()).toMatch(/spark.*ember.*ash.*no meme/)
    expect(await page.locator(".uplot").count()).toBeGreaterThan(0)
  })

  it("drills into a clicked community: its inspector, its agents drawn, and back to the communities", async () => {
    const p = await page.evaluate(() => window.kiln.aggregate.communityScreen(0))
    await page.mouse.click(p.x, p.y)
    await page.waitForFunction(() => window.kiln.aggregate.drilled !== undefined, null, { timeout: 20_000 })
    const d = await page.evaluate(() => window.kiln.aggregate.drilled)
    expect(d.community).toBe(0)
    expect(d.shown).toBe(sizes[0])
    expect(d.members).toBe(sizes[0])
    // A whole cave: a clique of SIZE less the one edge its bridge replaced, times the caves it holds.
    expect(d.edges).toBe((sizes[0] / SIZE) * ((SIZE * (SIZE - 1)) / 2 - 1) + (sizes[0] / SIZE - 1))
    expect(await page.locator("#inspector").isVisible()).toBe(true)
    expect(await page.locator("#inspector .facts").textContent()).toContain(`${sizes[0]} members`)
    expect(await page.locator("#inspector .shares li").count()).toBeGreaterThanOrEqual(1)
    expect(await page.locator("#status").textContent()).toContain(`all ${sizes[0]} members`)
    const { variance } = await drawn(page, "agents")
    expect(variance).toBeGreaterThan(5)
    expect(await page.evaluate(() => window.kiln.aggregate.drillView.graph.order)).toBe(sizes[0])
    await page.click("#back-to-communities")
    await page.waitForFunction(() => window.kiln.aggregate.drilled === undefined && window.kiln.aggregate.renderer !== undefined)
    expect(await page.evaluate(() => window.kiln.aggregate.renderer.getGraph().order)).toBe(sizes.length)
    expect(await page.locator("#back-to-communities").isHidden()).toBe(true)
  })

  it("colours communities by mean energy when asked", async () => {
    const before = await page.evaluate(() => window.kiln.aggregate.renderer.getGraph().mapNodes((_: string, a: any) => a.color))
    await page.selectOption("#colour-by", "energy")
    const after = await page.evaluate(() => window.kiln.aggregate.renderer.getGraph().mapNodes((_: string, a: any) => a.color))
    expect(after.filter((c: string, i: number) => c !== before[i]).length).toBeGreaterThan(sizes.length / 2)
    expect(await page.locator("#legend").textContent()).toContain("mean energy")
  })
})
