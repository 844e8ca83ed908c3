// Muller layout: bands nest inside their parent's, widths are clade shares, a tick's founders fill [0, 1] (or the
// carrier share with a total), merging undrawn lineages keeps every total, on constructed and random trees and on
// the lineages of real runs; `kiln plot muller` and `kiln report` draw them from run directories and sweep stores.
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { InputError } from "../../src/errors.js"
import { expandDesign } from "../../src/experiment/design.js"
import { decodeExperiment } from "../../src/experiment/load.js"
import { lineageColour, MEME_PALETTE, mullerLayout, type HostCount, type LineageNode, type MullerLayout } from "../../src/experiment/muller.js"
import { loadLineages } from "../../src/experiment/muller-chart.js"
import { plotMuller } from "../../src/experiment/plot.js"
import { reportHtml } from "../../src/experiment/report.js"
import { query } from "../../src/experiment/store.js"
import { runSweep } from "../../src/experiment/sweep.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { scenario } from "../support/scenario.js"
import { writeSmallRun } from "../viz/browser.js"
import { baseScenario, tempDir } from "./support.js"

const node = (id: number, parent: number, root: number, birthTick: number): LineageNode => ({ id, parent, root, birthTick })

// Founders 0 and 1; 2 and 4 are children of 0 (2 older), 3 a child of 2, 5 a child of 1.
const tree = [node(0, -1, 0, 0), node(1, -1, 1, 0), node(2, 0, 0, 5), node(3, 2, 0, 8), node(4, 0, 0, 6), node(5, 1, 1, 3)]
const table: Record<number, Record<number, number>> = {
  0: { 0: 10, 1: 10 },
  5: { 0: 8, 1: 6, 2: 4, 5: 2 },
  10: { 0: 2, 1: 1, 2: 3, 3: 5, 4: 4, 5: 5 }
}
const counts: HostCount[] = Object.entries(table).flatMap(([tick, row]) =>
  Object.entries(row).map(([variant, hosts]) => ({ tick: Number(tick), variant: Number(variant), hosts })))

const EPS = 1e-12

/** Hosts of a lineage and all its descendants at a tick. */
const cladeHosts = (nodes: ReadonlyArray<LineageNode>, rows: ReadonlyArray<HostCount>, id: number, tick: number): number => {
  const parent = new Map(nodes.map((l) => [l.id, l.parent]))
  const inClade = (v: number): boolean => v === id || (v >= 0 && inClade(parent.get(v)!))
  return rows.filter((r) => r.tick === tick && inClade(r.variant)).reduce((s, r) => s + r.hosts, 0)
}

const width = (m: MullerLayout, k: number, t: number) => m.hi[k][t] - m.lo[k][t]
const indexOf = (m: MullerLayout, id: number) => m.clades.findIndex((c) => c.id === id)

/** The invariants every layout must hold, whatever was merged. */
const checkLayout = (nodes: ReadonlyArray<LineageNode>, rows: ReadonlyArray<HostCount>, m: MullerLayout, total?: number) => {
  m.ticks.forEach((tick, t) => {
    const hosts = rows.filter((r) => r.tick === tick).reduce((s, r) => s + r.hosts, 0)
    const denominator = total ?? hosts
    const founders = m.clades.flatMap((c, k) => (c.parent < 0 ? [k] : []))
    // founders stack from 0 without gaps and fill the tick's share
    let top = 0
    for (const k of founders) {
      expect(Math.abs(m.lo[k][t] - top)).toBeLessThan(EPS)
      top = m.hi[k][t]
    }
    expect(top).toBeCloseTo(denominator > 0 ? hosts / denominator : 0, 12)
    m.clades.forEach((c, k) => {
      expect(width(m, k, t)).toBeCloseTo(denominator > 0 ? cladeHosts(nodes, rows, c.id, tick) / denominator : 0, 12)
      if (c.parent < 0) return
      const p = indexOf(m, c.parent)
      expect(p).toBeGreaterThanOrEqual(0)
      expect(p).toBeLessThan(k)
      expect(m.lo[k][t]).toBeGreaterThanOrEqual(m.lo[p][t] - EPS)
      expect(m.hi[k][t]).toBeLessThanOrEqual(m.hi[p][t] + EPS)
    })
    // siblings do not overlap
    for (const [a, ca] of m.clades.entries()) {
      for (const [b, cb] of m.clades.entries()) {
        if (a < b && ca.parent === cb.parent && ca.parent >= 0) {
          expect(Math.min(m.hi[a][t], m.hi[b][t]) - Math.max(m.lo[a][t], m.lo[b][t])).toBeLessThan(EPS)
        }
      }
    }
  })
}

describe("mullerLayout", () => {
  it("nests every clade in its parent's band, with widths equal to clade shares summing to 1", () => {
    const m = mullerLayout(tree, counts)
    expect(m.ticks).toEqual([0, 5, 10])
    expect(m.clades.map((c) => c.id)).toEqual([0, 2, 3, 4, 1, 5])
    checkLayout(tree, counts, m)
    // tick 10: 20 hosts; founder 0's clade holds 14, of which its own 2 are split around children 2 (8) and 4 (4)
    const t = 2
    expect([m.lo[0][t], m.hi[0][t]]).toEqual([0, 14 / 20])
    expect([m.lo[1][t], m.hi[1][t]]).toEqual([1 / 20, 9 / 20])
    expect([m.lo[3][t], m.hi[3][t]]).toEqual([9 / 20, 13 / 20])
    // 3 sits in 2's band above half of 2's own 3 hosts
    expect([m.lo[2][t], m.hi[2][t]]).toEqual([2.5 / 20, 7.5 / 20])
    expect([m.lo[4][t], m.hi[4][t]]).toEqual([14 / 20, 1])
  })

  it("with a total, widths are shares of it and founders fill the carrier share", () => {
    const m = mullerLayout(tree, counts, { total: 40 })
    checkLayout(tree, counts, m, 40)
    expect(m.hi[indexOf(m, 1)][0]).toBe(0.5)
  })

  it("draws the top clades by peak share and merges the rest into their nearest drawn ancestor, keeping totals", () => {
    const m = mullerLayout(tree, counts, { top: 3 })
    // peaks: 0 → 0.7, 1 → 0.5, 2 → 0.4, 3 → 0.25, 5 → 0.25, 4 → 0.2
    expect(m.clades.map((c) => c.id)).toEqual([0, 2, 1])
    checkLayout(tree, counts, m)
    expect(m.cladeOf.get(3)).toBe(indexOf(m, 2))
    expect(m.cladeOf.get(4)).toBe(indexOf(m, 0))
    expect(m.cladeOf.get(5)).toBe(indexOf(m, 1))
    expect(m.clades.map((c) => c.lineages)).toEqual([2, 2, 2])
    // 2 now holds 3's hosts as its own: its band fills 8/20 with no child inside
    expect(width(m, 1, 2)).toBeCloseTo(8 / 20, 12)
    // founders are drawn even beyond top
    expect(mullerLayout(tree, counts, { top: 0 }).clades.map((c) => c.id)).toEqual([0, 1])
  })

  it("keeps its invariants on random trees and counts", () => {
    const random = fc.record({
      parents: fc.array(fc.nat(), { minLength: 1, maxLength: 25 }),
      founders: fc.integer({ min: 1, max: 3 }),
      cells: fc.array(fc.tuple(fc.nat(4), fc.nat(), fc.nat(9)), { maxLength: 60 }),
      top: fc.integer({ min: 0, max: 8 })
    })
    fc.assert(
      fc.property(random, ({ parents, founders, cells, top }) => {
        const nodes: LineageNode[] = []
        parents.forEach((p, id) => {
          const parent = id < founders ? -1 : p % id
          nodes.push(node(id, parent, parent < 0 ? id : nodes[parent].root, parent < 0 ? 0 : nodes[parent].birthTick + 1))
        })
        const seen = new Set<string>()
        const rows = cells.flatMap(([tick, v, hosts]) => {
          const key = `${tick}/${v % nodes.length}`
          if (seen.has(key)) return []
          seen.add(key)
          return [{ tick: tick * 10, variant: v % nodes.length, hosts }]
        })
        const m = mullerLayout(nodes, rows, { top })
        checkLayout(nodes, rows, m)
        expect(m.clades.filter((c) => c.parent >= 0).length).toBeLessThanOrEqual(top)
      }),
      { numRuns: 150 }
    )
  })

  it("names the lineage a count or a parent refers to when the tree lacks it", () => {
    expect(() => mullerLayout(tree, [{ tick: 0, variant: 9, hosts: 1 }])).toThrow(/host count at tick 0 refers to lineage 9/)
    expect(() => mullerLayout([node(0, -1, 0, 0), node(1, 7, 0, 2)], [])).toThrow(/parent of lineage 1 refers to lineage 7/)
  })

  it("colours a founder as its meme and its lineages in its hue, each depth in another lightness than its parent's", () => {
    const hsl = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16) / 255)
      const max = Math.max(r, g, b)
      const min = Math.min(r, g, b)
      const d = max - min
      const h = d === 0 ? 0 : max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4
      return { h: h * 60, l: (max + min) / 2 }
    }
    expect([0, 1, 2, 3].map((r) => lineageColour(r, 0, r))).toEqual(MEME_PALETTE.slice(0, 4))
    const founders = [0, 1, 2, 3].map((r) => hsl(lineageColour(r, 0, r)).h)
    expect(new Set(founders.map(Math.round)).size).toBe(4)
    // founders past the palette differ from those before them
    expect(new Set(Array.from({ length: 16 }, (_, r) => lineageColour(r, 0, r))).size).toBe(16)
    for (let depth = 1; depth < 12; depth++) {
      const child = hsl(lineageColour(1, depth, 100 + depth))
      const parent = hsl(lineageColour(1, depth - 1, 99 + depth))
      expect(Math.abs(child.l - parent.l)).toBeGreaterThan(0.15)
      const dh = Math.abs(((child.h - founders[1] + 540) % 360) - 180)
      expect(dh).toBeLessThanOrEqual(11)
    }
  })
})

/** The small base scenario with a meme seeded at tick 1 that mutates at every fifth transmission. */
const evolving = (extra: Record<string, unknown> = {}) => baseScenario({
  graph: { kind: "erdosRenyi", n: 60, p: 0.1 },
  memes: [{ name: "m", content: { a: 1 }, intensity: 1 }, { name: "k", content: { b: -1 }, intensity: 1 }],
  interventions: [
    { kind: "seedMeme", meme: "m", start: 1, target: { ids: ["0", "1", "2"] } },
    { kind: "seedMeme", meme: "k", start: 1, target: { ids: ["30", "31", "32"] } }
  ],
  evolution: { memes: { mutation: { rate: 0.2 } } },
  ...extra
})

const specsOf = (html: string) =>
  [...html.matchAll(/<script type="application\/vnd\.vegalite\+json">(.*?)<\/script>/gs)].map((m) => JSON.parse(m[1]))

const rejection = async (p: Promise<unknown>): Promise<InputError> => {
  try {
    await p
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error("expected an InputError")
}

const root = resolve(import.meta.dirname, "../..")
const kiln = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } })

describe("Muller plots of real runs", () => {
  const dir = tempDir()
  let evolved: string
  let plain: string
  let db: string

  beforeAll(async () => {
    evolved = await writeSmallRun(prepareWorld(scenario(evolving())), join(dir, "evolved"))
    plain = await writeSmallRun(prepareWorld(scenario(baseScenario())), join(dir, "plain"))
    db = join(dir, "sweep.duckdb")
    const design = expandDesign(decodeExperiment({
      name: "muller", scenario: evolving(), seed: 3, replicates: 1,
      factors: [{ path: "evolution.memes.mutation.rate", values: [0.1, 0.3] }]
    }, join(dir, "exp.json")))
    await Effect.runPromise(runSweep(design, { db, workers: 0 }))
  })

  it("lays out a run's lineages with every invariant: nested bands, clade shares, founders filling [0, 1]", async () => {
    const r = await loadLineages(evolved)
    expect(r.founders).toEqual(["m", "k"])
    expect(r.tree.filter((l) => l.parent >= 0).length).toBeGreaterThan(5)
    for (const top of [3, 30]) checkLayout(r.tree, r.counts, mullerLayout(r.tree, r.counts, { top }))
  })

  it("draws a run directory's Muller plot to SVG and PNG, one area per drawn clade", async () => {
    const svg = readFileSync(await plotMuller(evolved, { out: join(dir, "m.svg"), top: 5 }), "utf8")
    expect(svg.startsWith("<svg")).toBe(true)
    expect(svg).toContain("Muller plot: small, seed")
    const r = await loadLineages(evolved)
    const drawn = mullerLayout(r.tree, r.counts, { top: 5 }).clades.length
    expect((svg.match(/aria-roledescription="area mark"/g) ?? []).length).toBe(drawn)
    const png = readFileSync(await plotMuller(evolved, { out: join(dir, "m.png") }))
    expect(png.subarray(1, 4).toString()).toBe("PNG")
  })

  it("refuses a run without lineages and a run id a store does not have, naming file and flag", async () => {
    const none = await rejection(plotMuller(plain, { out: join(dir, "x.svg") }))
    expect([none.file, none.path]).toEqual([plain, "lineages.parquet"])
    expect(none.message).toContain("evolution.memes")
    const several = await rejection(plotMuller(db, { out: join(dir, "x.svg") }))
    expect([several.path, several.message]).toEqual(["--run", expect.stringContaining("2 runs have lineages")])
    const unknown = await rejection(plotMuller(db, { out: join(dir, "x.svg"), run: "nope-1" }))
    expect(unknown.message).toMatch(/^unknown run id "nope-1"; runs with lineages: \w+-1, \w+-1$/)
    const unseeded = await writeSmallRun(prepareWorld(scenario(evolving({ interventions: [] }))), join(dir, "unseeded"))
    const empty = await rejection(plotMuller(unseeded, { out: join(dir, "x.svg") }))
    expect([empty.path, empty.message]).toEqual(["variants", expect.stringContaining("no agent ever carried a variant")])
    const cli = kiln(["plot", "muller", plain, "--out", join(dir, "x.svg")])
    expect(cli.status).toBe(2)
    expect(cli.stderr.trim()).toBe(`kiln: ${plain}: at lineages.parquet: ${none.message}`)
  })

  it("draws one run of a store, and kiln report adds a Muller plot per design point", async () => {
    const [first] = await query(db, "SELECT min(run_id) AS id FROM lineages")
    const r = await loadLineages(db, String(first.id))
    checkLayout(r.tree, r.counts, mullerLayout(r.tree, r.counts))
    const cli = kiln(["plot", "muller", db, "--run", String(first.id), "--out", join(dir, "store.svg")])
    expect(cli.status, cli.stderr).toBe(0)
    expect(readFileSync(join(dir, "store.svg"), "utf8")).toContain(`Muller plot: ${first.id}`)
    const muller = specsOf(await reportHtml(db)).filter((s) => String(s.title.text).startsWith("Muller plot"))
    expect(muller.map((s) => s.title.text).sort()).toEqual([
      expect.stringMatching(/^Muller plot: evolution_memes_mutation_rate 0\.1 \(\w+-1\)$/),
      expect.stringMatching(/^Muller plot: evolution_memes_mutation_rate 0\.3 \(\w+-1\)$/)
    ])
    const run = specsOf(await reportHtml(evolved)).filter((s) => String(s.title.text).startsWith("Muller plot"))
    expect(run).toHaveLength(1)
    expect(specsOf(await reportHtml(plain)).some((s) => String(s.title.text).startsWith("Muller plot"))).toBe(false)
  })
})
