// Browser-test support: Debian's Chromium through playwright-core (never a downloaded browser), the built viewer,
// and a small finished run. Without Chromium the browser tests are skipped loudly, except in CI where it must exist.
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Effect } from "effect"
import { chromium, type BrowserContext, type Page } from "playwright-core"
import { Engine } from "../../src/model/engine.js"
import { FrameRecorder } from "../../src/io/frames.js"
import { layoutGraph } from "../../src/io/layout.js"
import { writeRun } from "../../src/io/run-dir.js"
import { loadScenario } from "../../src/scenario/load.js"
import { prepareWorld } from "../../src/run/simulation.js"
import type { World } from "../../src/model/world.js"

// Page-side callbacks run in Chromium; this package compiles against Node's types, so page globals are loose here.
declare const window: { kiln: any }
declare const document: any
declare const Image: any

export const CHROMIUM = process.env.KILN_CHROMIUM ?? "/usr/bin/chromium"
export const ROOT = resolve(import.meta.dirname, "..", "..")
export const VIEWER = join(ROOT, "viz", "dist")

/** True when the browser tests can run; prints the loud SKIPPED line, or throws in CI, when they cannot. */
export const chromiumAvailable = (): boolean => {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === "true") throw new Error(`test/viz: Chromium is required in CI but ${CHROMIUM} does not exist (apt-get install -y chromium)`)
  const line = `SKIPPED: chromium not found at ${CHROMIUM} — browser tests of the viewer did not run (apt-get install -y chromium)`
  process.stderr.write(`\n${"!".repeat(line.length)}\n${line}\n${"!".repeat(line.length)}\n\n`)
  return false
}

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
    0
  )

/** Builds viz/dist when it is missing or older than the viewer's sources (or the engine modules it bundles). */
export const buildViewer = (): void => {
  const built = existsSync(join(VIEWER, "index.html")) ? statSync(join(VIEWER, "index.html")).mtimeMs : 0
  const sources = Math.max(newest(join(ROOT, "viz", "src")), statSync(join(ROOT, "viz", "index.html")).mtimeMs, statSync(join(ROOT, "src", "io", "frames-format.ts")).mtimeMs, statSync(join(ROOT, "src", "serve", "info.ts")).mtimeMs,
    statSync(join(ROOT, "src", "experiment", "muller.ts")).mtimeMs)
  if (built > sources) return
  execFileSync(process.execPath, [join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--config", join(ROOT, "viz", "vite.config.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"]
  })
}

export const launch = (): Promise<BrowserContext> =>
  chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "kiln-chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"
    ],
    viewport: { width: 1200, height: 800 }
  })

/** The default scenario, smaller: `caves` villages of 20 for `ticks` ticks, seeds placed as in the default; `set` adds overrides. */
export const smallDefault = (caves: number, ticks: number, set: ReadonlyArray<string> = []): World => {
  const n = caves * 20
  const at = (f: number) => [0, 1, 2].map((k) => String(Math.floor(f * n) + k))
  const ids = (a: number, b: number) => JSON.stringify([...at(a), ...at(b)])
  const sets = [`graph.caves=${caves}`, `ticks=${ticks}`, `interventions[2].target.ids=${ids(0, 0.5)}`, `interventions[3].target.ids=${ids(0.25, 0.75)}`, ...set]
  return prepareWorld(loadScenario(join(ROOT, "scenarios", "default.json"), sets), "scenarios/default.json")
}

/** Runs a world to the end in this thread and writes a run directory with frames and layout. */
export const writeSmallRun = async (world: World, dir: string): Promise<string> => {
  const engine = new Engine(world)
  const frames = new FrameRecorder()
  const rows: number[][] = []
  const started = new Date()
  const record = () => {
    rows.push(engine.measure())
    frames.record(world, engine.tick, engine.perAgent)
  }
  record()
  while (engine.tick < world.scenario.ticks) {
    engine.step()
    record()
  }
  const layout = layoutGraph(world.graph, { seed: world.scenario.seed })
  return Effect.runPromise(
    writeRun({ world, metrics: { columns: engine.columns, rows }, perAgent: engine.perAgent, started, finished: new Date(), workers: 1, frames, layout }, dir)
  )
}

/** Opens the viewer and waits until it has loaded (fails with the page's own error when it could not). */
export const openViewer = async (ctx: BrowserContext, url: string): Promise<Page> => {
  const page = await ctx.newPage()
  const errors: string[] = []
  page.on("pageerror", (e) => errors.push(e.message))
  await page.goto(url)
  await page.waitForFunction(() => window.kiln?.ready === true || window.kiln?.error !== undefined, null, { timeout: 30_000 })
  const error = await page.evaluate(() => window.kiln.error)
  if (error !== undefined || errors.length > 0) throw new Error(`the viewer failed to load: ${error ?? errors.join("; ")}`)
  return page
}

/**
 * The graph canvas as drawn now (sigma is redrawn and read in the same task): its luminance variance, the share of
 * pixels that are not background, and for each of `colours` (CSS hex) the share of pixels of about that colour.
 */
export const canvasStats = (page: Page, colours: ReadonlyArray<string> = []): Promise<{ variance: number; drawn: number; shares: number[] }> =>
  page.evaluate(async (hexes) => {
    const r = window.kiln.view!.renderer
    r.refresh({ partialGraph: { nodes: [] }, skipIndexation: true })
    const url = r.getStageCanvas().toDataURL()
    const img = new Image()
    img.src = url
    await img.decode()
    const c = document.createElement("canvas")
    c.width = img.width
    c.height = img.height
    const ctx = c.getContext("2d")!
    ctx.fillStyle = "#0e1117"
    ctx.fillRect(0, 0, c.width, c.height)
    ctx.drawImage(img, 0, 0)
    const px = ctx.getImageData(0, 0, c.width, c.height).data
    const rgbs = hexes.map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)))
    const near = (o: number, [r, g, b]: number[]) => Math.abs(px[o] - r) + Math.abs(px[o + 1] - g) + Math.abs(px[o + 2] - b) <= 30
    let s = 0, s2 = 0, drawn = 0
    const matched = rgbs.map(() => 0)
    const count = px.length / 4
    for (let o = 0; o < px.length; o += 4) {
      const l = 0.2126 * px[o] + 0.7152 * px[o + 1] + 0.0722 * px[o + 2]
      s += l
      s2 += l * l
      if (!near(o, [14, 17, 23])) drawn++
      rgbs.forEach((c, k) => near(o, c) && matched[k]++)
    }
    const mean = s / count
    return { variance: s2 / count - mean * mean, drawn: drawn / count, shares: matched.map((m) => m / count) }
  }, colours)
