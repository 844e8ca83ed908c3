// The aggregate view of large runs: communities (groups, or label propagation) with exact sums checked against
// DuckDB queries of the run's own Parquet files, the cache, the server routes and drill-down.
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs"
import { spawnSync } from "node:child_process"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectedCaveman } from "../../src/model/graph/generators.js"
import type { World } from "../../src/model/world.js"
import { DRILL_CAP, MAX_COMMUNITIES, openAggregate, type AggregateGraph, type Drill } from "../../src/serve/aggregate.js"
import { LIVE_LIMIT, serveLive } from "../../src/serve/index.js"
import { readRunInfo } from "../../src/serve/run-dir.js"
import { startServer, type RunningServer } from "../../src/serve/server.js"
import { writeFixtureRun } from "./fixture.js"

const ROOT = join(import.meta.dirname, "..", "..")
const temp = () => mkdtempSync(join(tmpdir(), "kiln-aggregate-"))

const query = async (sql: string): Promise<Array<Record<string, unknown>>> => {
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>
  } finally {
    c.closeSync()
    db.closeSync()
  }
}

/** Groups of unequal sizes on a random graph, every agent in one: the communities are the groups. */
const groupedRun = async () => {
  const sizes = [120, 90, 60, 30]
  const n = sizes.reduce((a, b) => a + b, 0)
  const groupOf = (i: number) => {
    let k = 0
    for (let acc = sizes[0]; i >= acc; acc += sizes[++k]);
    return `g${k}`
  }
  const source: number[] = []
  const target: number[] = []
  const weight: number[] = []
  for (let i = 0; i < n; i++) {
    for (let d = 1; d <= 3; d++) {
      source.push(i)
      target.push((i * 7 + d * 13) % n === i ? (i + 1) % n : (i * 7 + d * 13) % n)
      weight.push(d === 3 ? -0.5 : 1)
    }
  }
  // Each undirected edge once.
  const seen = new Set<string>()
  const keep = source.map((s, e) => {
    const key = `${Math.min(s, target[e])}-${Math.max(s, target[e])}`
    const fresh = !seen.has(key) && s !== target[e]
    seen.add(key)
    return fresh
  })
  const dir = await writeFixtureRun(join(temp(), "grouped"), {
    n, groups: ["g0", "g1", "g2", "g3"], group: groupOf,
    source: source.filter((_, e) => keep[e]), target: target.filter((_, e) => keep[e]), weight: weight.filter((_, e) => keep[e])
  })
  return { dir, n, sizes }
}

describe("the aggregate of a run whose agents all have groups", () => {
  let dir: string
  let n: number
  let graph: AggregateGraph
  let member: Int32Array

  beforeAll(async () => {
    ;({ dir, n } = await groupedRun())
    const a = await openAggregate(dir, readRunInfo(dir))
    graph = a.graph
    member = a.member
  })

  it("uses the groups, largest first, and its member counts add up to the agents", () => {
    expect(graph.method).toBe("groups")
    expect(graph.communities.map((c) => [c.label, c.members])).toEqual([["g0", 120], ["g1", 90], ["g2", 60], ["g3", 30]])
    expect(graph.communities.reduce((s, c) => s + c.members, 0)).toBe(n)
    expect(member.length).toBe(n)
  })

  it("has the meme shares, belief means and mean energy DuckDB finds per group", async () => {
    const file = join(dir, "agents.parquet")
    const shares = await query(`SELECT "group" AS g, coalesce(meme, '') AS m, count(*) / sum(count(*)) OVER (PARTITION BY "group") AS share FROM '${file}' GROUP BY "group", coalesce(meme, '')`)
    const means = await query(`SELECT "group" AS g, avg(energy) AS e, avg(belief_fire) AS f, avg(belief_stone) AS s FROM '${file}' GROUP BY ALL`)
    const memes = graph.memes
    expect(memes).toEqual(["spark", "ember", "ash"])
    for (const c of graph.communities) {
      const expected = memes.map((m) => Number(shares.find((r) => r.g === c.label && r.m === m)?.share ?? 0))
      expected.push(Number(shares.find((r) => r.g === c.label && r.m === "")?.share ?? 0))
      c.memes.forEach((s, k) => expect(s).toBeCloseTo(expected[k], 12))
      expect(c.memes.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
      const row = means.find((r) => r.g === c.label)!
      expect(c.energy).toBeCloseTo(Number(row.e), 9)
      expect(c.beliefs[0]).toBeCloseTo(Number(row.f), 12)
      expect(c.beliefs[2]).toBeCloseTo(Number(row.s), 12)
    }
  })

  it("links communities by their summed inter-community weights, and sums the weight inside each", async () => {
    const agents = `read_parquet('${join(dir, "agents.parquet")}', file_row_number = true)`
    const sums = await query(
      `SELECT least(a."group", b."group") AS x, greatest(a."group", b."group") AS y, sum(e.weight) AS w FROM '${join(dir, "edges.parquet")}' e ` +
        `JOIN ${agents} a ON a.file_row_number = e.source JOIN ${agents} b ON b.file_row_number = e.target GROUP BY ALL`
    )
    const label = (k: number) => graph.communities[k].label
    for (const [a, b, w] of graph.links) {
      const row = sums.find((r) => r.x === [label(a), label(b)].sort()[0] && r.y === [label(a), label(b)].sort()[1])!
      expect(w).toBeCloseTo(Number(row.w), 4)
    }
    // With 4 communities every pair that has edges is linked.
    expect(graph.links.length).toBe(sums.filter((r) => r.x !== r.y).length)
    for (const c of graph.communities) expect(c.internal).toBeCloseTo(Number(sums.find((r) => r.x === c.label && r.y === c.label)?.w ?? 0), 4)
  })
})

describe("the aggregate of a run without groups", () => {
  it("finds the caves of a caveman graph by label propagation, deterministically", async () => {
    const g = connectedCaveman(30, 10)
    const dir = await writeFixtureRun(join(temp(), "caves"), { n: g.n, source: g.source, target: g.target })
    const info = readRunInfo(dir)
    expect(info.view).toBe("aggregate")
    const a = await openAggregate(dir, info)
    expect(a.graph.method).toBe("label-propagation")
    expect(a.graph.communities.reduce((s, c) => s + c.members, 0)).toBe(g.n)
    expect(a.graph.communities.length).toBeGreaterThanOrEqual(28)
    for (let i = 0; i < g.n; i++) expect(a.member[i]).toBe(a.member[i - (i % 10)])
    // Computed again from scratch (no cache): the same communities.
    const { computeAggregate } = await import("../../src/serve/aggregate.js")
    const again = await computeAggregate(dir, info)
    expect(Array.from(again.member)).toEqual(Array.from(a.member))
  })

  it("above the cap, joins the smallest communities of label propagation to the shown one they are most tied to", async () => {
    // 330 caves of 4 in a ring, and 6 isolated pairs: more communities than are shown.
    const g = connectedCaveman(330, 4)
    const source = [...g.source]
    const target = [...g.target]
    for (let p = 0; p < 6; p++) {
      source.push(g.n + 2 * p)
      target.push(g.n + 2 * p + 1)
    }
    const n = g.n + 12
    const dir = await writeFixtureRun(join(temp(), "ring"), { n, source, target })
    const a = await openAggregate(dir, readRunInfo(dir))
    expect(a.graph.method).toBe("label-propagation")
    expect(a.graph.found).toBeGreaterThan(MAX_COMMUNITIES)
    expect(a.graph.communities.length).toBe(MAX_COMMUNITIES)
    expect(a.graph.other).toBe(true)
    const other = a.graph.communities[MAX_COMMUNITIES - 1]
    // Only the isolated pairs reach no shown community.
    expect(other.members).toBe(12)
    expect(other.label).toBe("other (6 communities tied to none shown)")
    expect(a.graph.attached).toBe(a.graph.found - (MAX_COMMUNITIES - 1) - 6)
    expect(a.graph.communities.reduce((s, c) => s + c.members, 0)).toBe(n)
    for (let i = g.n; i < n; i++) expect(a.member[i]).toBe(MAX_COMMUNITIES - 1)
    // Members counted in the cache agree with the communities' counts.
    const counts = new Array<number>(MAX_COMMUNITIES).fill(0)
    for (const k of a.member) counts[k]++
    expect(counts).toEqual(a.graph.communities.map((c) => c.members))
  })

  it("merges the smallest communities into one 'other' node above the cap", async () => {
    const groups = MAX_COMMUNITIES + 20
    const n = groups * 3
    const source: number[] = []
    const target: number[] = []
    for (let c = 0; c < groups; c++) {
      source.push(3 * c, 3 * c + 1, 3 * c)
      target.push(3 * c + 1, 3 * c + 2, (3 * c + 3) % n)
    }
    // Group sizes 3 except one bigger group: g0 takes the first 30 agents' places by name.
    const dir = await writeFixtureRun(join(temp(), "many"), { n, source, target, group: (i) => `g${String(Math.floor(i / 3)).padStart(3, "0")}` })
    const a = await openAggregate(dir, readRunInfo(dir))
    expect(a.graph.found).toBe(groups)
    expect(a.graph.communities.length).toBe(MAX_COMMUNITIES)
    expect(a.graph.other).toBe(true)
    const last = a.graph.communities[MAX_COMMUNITIES - 1]
    expect(last.label).toBe("other (21 communities)")
    expect(last.members).toBe(21 * 3)
    expect(a.graph.communities.reduce((s, c) => s + c.members, 0)).toBe(n)
  })
})

describe("the aggregate cache", () => {
  it("is written once as hidden files and read back while the inputs are unchanged; new inputs recompute it", async () => {
    const { dir } = await groupedRun()
    const lines: string[] = []
    const first = await openAggregate(dir, readRunInfo(dir), (l) => lines.push(l))
    expect(lines.some((l) => l.includes("computing its communities"))).toBe(true)
    expect(existsSync(join(dir, ".aggregate.json")) && existsSync(join(dir, ".aggregate-members.bin"))).toBe(true)
    lines.length = 0
    const second = await openAggregate(dir, readRunInfo(dir), (l) => lines.push(l))
    expect(lines).toEqual([])
    expect(second.toJson()).toBe(first.toJson())
    expect(Array.from(second.member)).toEqual(Array.from(first.member))
    const later = new Date(Date.now() + 5000)
    utimesSync(join(dir, "edges.parquet"), later, later)
    await openAggregate(dir, readRunInfo(dir), (l) => lines.push(l))
    expect(lines.some((l) => l.includes("computing its communities"))).toBe(true)
  })
})

describe("server routes of an aggregate run", () => {
  let server: RunningServer
  let dir: string
  let sizes: number[]
  const get = (path: string) => fetch(new URL(path, server.url))

  beforeAll(async () => {
    ;({ dir, sizes } = await groupedRun())
    const info = readRunInfo(dir)
    server = await startServer({ source: { kind: "run", dir, info, aggregate: await openAggregate(dir, info) }, port: 0, viewer: temp() })
  })
  afterAll(() => server?.close())

  it("says so in /api/info and serves the community graph", async () => {
    expect((await (await get("/api/info")).json()).view).toBe("aggregate")
    const graph = (await (await get("/api/aggregate")).json()) as AggregateGraph
    expect(graph.communities.map((c) => c.members)).toEqual(sizes)
    for (const c of graph.communities) expect(Number.isFinite(c.x) && Number.isFinite(c.y)).toBe(true)
  })

  it("drills into a community: its agents, their keys and attributes, and exactly its internal edges", async () => {
    const d = (await (await get("/api/community/1")).json()) as Drill
    expect([d.members, d.shown, d.label, d.positions]).toEqual([90, 90, "g1", "computed"])
    const file = join(dir, "agents.parquet")
    const rows = await query(`SELECT file_row_number AS i, id, energy, coalesce(meme, '') AS meme FROM read_parquet('${file}', file_row_number = true) WHERE "group" = 'g1' ORDER BY i`)
    expect(d.index).toEqual(rows.map((r) => Number(r.i)))
    expect(d.keys).toEqual(rows.map((r) => r.id))
    d.energy.forEach((e, j) => expect(e).toBeCloseTo(Number(rows[j].energy), 12))
    expect(d.meme.map((m) => (m < 0 ? "" : ["spark", "ember", "ash"][m]))).toEqual(rows.map((r) => r.meme))
    const internal = await query(
      `SELECT count(*) AS k FROM '${join(dir, "edges.parquet")}' WHERE source IN (${d.index.join(",")}) AND target IN (${d.index.join(",")})`
    )
    expect(d.edgesShown).toBe(Number(internal[0].k))
    for (let e = 0; e < d.source.length; e++) expect(d.index[d.source[e]]).toBeLessThan(d.index[d.target[e]])
    expect(d.x.every(Number.isFinite) && d.y.every(Number.isFinite)).toBe(true)
  })

  it("answers 404 for a community that does not exist and keeps the cache files hidden", async () => {
    for (const path of ["/api/community/4", "/api/community/x", "/api/community/-1", "/run/.aggregate.json", "/run/.aggregate-members.bin"]) {
      expect((await get(path)).status, path).toBe(404)
    }
  })
})

describe("drill-down into a community above the cap", () => {
  it("shows the DRILL_CAP agents with most edges inside it, with the run's own positions", async () => {
    const n = DRILL_CAP + 2000
    const source: number[] = []
    const target: number[] = []
    // A ring, plus chords from the first 3,000 agents: those have degree 3 or more, the rest 2.
    for (let i = 0; i < n; i++) {
      source.push(i)
      target.push((i + 1) % n)
    }
    for (let i = 0; i < 3000; i++) {
      source.push(i)
      target.push(i + 5000)
    }
    const dir = await writeFixtureRun(join(temp(), "big"), { n, source, target, group: () => "all", groups: ["all"], layout: (i) => [i % 150, Math.floor(i / 150)] })
    const a = await openAggregate(dir, readRunInfo(dir))
    const d = JSON.parse(await a.drill(0)!) as Drill
    expect([d.members, d.shown, d.positions]).toEqual([n, DRILL_CAP, "layout"])
    const degree = new Array<number>(n).fill(0)
    source.forEach((s, e) => {
      degree[s]++
      degree[target[e]]++
    })
    const chosen = new Set(d.index)
    const minChosen = Math.min(...d.index.map((i) => degree[i]))
    const maxLeft = Math.max(...degree.filter((_, i) => !chosen.has(i)))
    expect(minChosen).toBeGreaterThanOrEqual(maxLeft)
    expect(d.x[10]).toBe(d.index[10] % 150)
    expect(a.drill(1)).toBeUndefined()
  })
})

describe("run directories and live mode", () => {
  it("kiln serve of a run whose edges name agents that do not exist exits 2 with one line naming the file and row", async () => {
    const dir = await writeFixtureRun(join(temp(), "broken"), { n: 5, source: [0, 1, 2], target: [1, 2, 7] })
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "kiln.mjs"), "serve", dir, "--port", "0"], { encoding: "utf8", timeout: 60_000 })
    expect(r.status).toBe(2)
    // After the progress line, the error.
    expect(r.stderr.trim().split("\n").at(-1)).toBe(`kiln: ${join(dir, "edges.parquet")}: at row 2: names an agent outside 0..4 (agents.parquet has 5 rows)`)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it("kiln serve of a scenario above the live limit exits 2 with one line saying what to do instead", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "kiln.mjs"), "serve", join(ROOT, "scenarios", "default.json"), "--set", "graph.caves=5001", "--port", "0"],
      { encoding: "utf8", timeout: 120_000 })
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toMatch(/default\.json: has 100,020 agents; the live view is limited to 100,000 .*kiln run <scenario>.*kiln serve <run-dir>/)
  })

  it("a run without graph.json or its Parquet files is refused with a one-line reason", () => {
    const dir = temp()
    for (const f of ["manifest.json", "metrics.csv"]) writeFileSync(join(dir, f), f.endsWith(".json") ? "{}" : "tick\n0\n")
    expect(() => readRunInfo(dir)).toThrow(/has neither graph\.json nor agents\.parquet/)
  })

  it("a small run with graph.json is drawn whole; above the limit, or without graph.json, as communities", async () => {
    const g = connectedCaveman(3, 5)
    const dir = await writeFixtureRun(join(temp(), "small"), { n: g.n, source: g.source, target: g.target, graphJson: true })
    expect(readRunInfo(dir).view).toBe("graph")
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))
    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, agents: 100_001 }))
    expect(readRunInfo(dir).view).toBe("aggregate")
  })

  it("live mode refuses a world above the limit, naming the file and saying what to do instead", async () => {
    const world = { constants: { n: LIVE_LIMIT + 1 }, file: "huge.json", scenario: { name: "huge" } } as unknown as World
    const exit = await Effect.runPromiseExit(serveLive(world, { port: 0 }))
    expect(Exit.isFailure(exit)).toBe(true)
    const text = JSON.stringify(exit)
    expect(text).toContain("InputError")
    expect(text).toContain("huge.json")
    expect(text).toMatch(/kiln run <scenario>.*kiln serve <run-dir>/)
  })
})
