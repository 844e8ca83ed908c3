#!/usr/bin/env node
// Measures the viewer's frame time in headless Chromium (SwiftShader WebGL) and optionally saves a screenshot.
//   node viz/scripts/measure.mjs <viewer URL> [--frames 30] [--seconds 4] [--seek <frame|last>] [--colour <mode>] [--screenshot out.png]
// Prints: nodes, edges, update ms (recolour + resize every node), render ms (draw + GPU flush), and the frames per
// second that real playback reaches (one new frame per animation frame, looping).
import { parseArgs } from "node:util"
import { DEFAULT_CHROMIUM, launchHeadless } from "./headless.mjs"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    frames: { type: "string", default: "30" },
    seconds: { type: "string", default: "4" },
    seek: { type: "string" },
    colour: { type: "string" },
    screenshot: { type: "string" },
    width: { type: "string", default: "1400" },
    height: { type: "string", default: "860" },
    chromium: { type: "string", default: DEFAULT_CHROMIUM }
  }
})
const url = positionals[0]
if (!url) {
  process.stderr.write("usage: node viz/scripts/measure.mjs <viewer URL> [--frames N] [--seconds S] [--seek F|last] [--colour MODE] [--screenshot out.png]\n")
  process.exit(2)
}

const ctx = await launchHeadless(values.chromium, { width: Number(values.width), height: Number(values.height) })
try {
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  const t0 = Date.now()
  await page.goto(url)
  await page.waitForFunction(() => window.kiln?.ready === true || window.kiln?.error !== undefined, null, { timeout: 600_000, polling: 250 })
  const error = await page.evaluate(() => window.kiln.error)
  if (error) throw new Error(error)
  const loadSeconds = (Date.now() - t0) / 1000
  if (values.colour !== undefined) await page.selectOption("#colour-by", values.colour)
  if (values.seek !== undefined) {
    await page.evaluate((f) => window.kiln.player?.seek(f === "last" ? window.kiln.frameCount - 1 : Number(f)), values.seek)
  }
  await page.waitForTimeout(1000)
  if (values.screenshot) await page.screenshot({ path: values.screenshot })
  const bench = await page.evaluate((n) => window.kiln.benchmark(n), Number(values.frames))
  const playback = (await page.evaluate(() => window.kiln.frameCount)) > 1
    ? await page.evaluate((s) => window.kiln.playbackRate(s), Number(values.seconds))
    : undefined
  const round = (v) => Math.round(v * 10) / 10
  console.log(JSON.stringify({
    nodes: bench.nodes, edges: bench.edges, loadSeconds: round(loadSeconds),
    timings: Object.fromEntries(Object.entries(await page.evaluate(() => window.kiln.timings)).map(([k, v]) => [k, Math.round(v)])),
    updateMs: round(bench.updateMs), renderMs: round(bench.renderMs), frameMs: round(bench.frameMs),
    playbackMsPerFrame: playback && round(playback.msPerFrame), playbackFps: playback && round(1000 / playback.msPerFrame)
  }))
} finally {
  await ctx.close()
}
