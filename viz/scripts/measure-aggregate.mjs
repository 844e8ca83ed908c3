#!/usr/bin/env node
// Measures the viewer of a large run (shown as communities) in headless Chromium: time to first paint of the
// community graph, time until the page is ready, and the time to drill into a community and draw its agents.
//   node viz/scripts/measure-aggregate.mjs <viewer URL> [--community K] [--screenshot out.png] [--drill-screenshot out.png]
import { parseArgs } from "node:util"
import { DEFAULT_CHROMIUM, launchHeadless } from "./headless.mjs"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    community: { type: "string", default: "0" },
    screenshot: { type: "string" },
    "drill-screenshot": { type: "string" },
    chromium: { type: "string", default: DEFAULT_CHROMIUM }
  }
})
const url = positionals[0]
if (!url) {
  process.stderr.write("usage: node viz/scripts/measure-aggregate.mjs <viewer URL> [--community K] [--screenshot out.png] [--drill-screenshot out.png]\n")
  process.exit(2)
}
const ctx = await launchHeadless(values.chromium, { width: 1400, height: 860 })
try {
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  await page.goto(url)
  await page.waitForFunction(() => window.kiln?.ready === true || window.kiln?.error !== undefined, null, { timeout: 600_000 })
  const error = await page.evaluate(() => window.kiln.error)
  if (error) throw new Error(error)
  const t = await page.evaluate(() => ({ ...window.kiln.timings, communities: window.kiln.aggregate?.communities }))
  process.stdout.write(`communities ${t.communities} · graph fetched ${t.graph.toFixed(0)} ms · first paint ${t.firstPaint.toFixed(0)} ms · ready ${t.ready.toFixed(0)} ms\n`)
  if (values.screenshot) await page.screenshot({ path: values.screenshot })
  const k = Number(values.community)
  const t0 = Date.now()
  await page.evaluate((c) => {
    const p = window.kiln.aggregate.communityScreen(c)
    return p
  }, k).then((p) => page.mouse.click(p.x, p.y))
  await page.waitForFunction(() => window.kiln.aggregate.drilled !== undefined, null, { timeout: 600_000 })
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
  const d = await page.evaluate(() => window.kiln.aggregate.drilled)
  process.stdout.write(`drill-down into community ${k}: ${d.shown} of ${d.members} members, ${d.edges} edges, drawn after ${Date.now() - t0} ms\n`)
  if (values["drill-screenshot"]) await page.screenshot({ path: values["drill-screenshot"] })
} finally {
  await ctx.close()
}
