// Run directories: every output with the contract columns, byte-stable across runs, atomic on failure.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Engine } from "../../src/model/engine.js"
import { defaultRunDir, writeRun, type RunRecord } from "../../src/io/run-dir.js"
import type { RunDirOptions } from "../../src/io/output-dir.js"
import { runLoop } from "../../src/run/loop.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { scenario } from "../support/scenario.js"

const small = scenario({
  name: "small",
  seed: 3,
  ticks: 12,
  graph: { kind: "connectedCaveman", caves: 6, size: 5, groups: ["blue", "red"] },
  beliefs: [{ name: "a" }, { name: "b" }, { name: "f", kind: "factual", truth: -1 }],
  groups: [{ name: "blue", content: { a: 1 } }, { name: "red", content: { b: 1 } }],
  memes: [{ name: "m", content: { a: 1, b: 1 }, intensity: 1 }],
  patterns: [{ name: "gloom", beliefs: { a: -1, b: -1 }, target: { fraction: 0.2 } }],
  interventions: [
    { kind: "seedMeme", meme: "m", target: { ids: ["0", "1"] } },
    { kind: "ritual", target: { group: "blue" }, every: 4, content: { a: 1 } }
  ]
})

const runTo = async (dir: string, o?: RunDirOptions, s = small, extra: Partial<RunRecord> = {}) => {
  const world = prepareWorld(s)
  const engine = new Engine(world)
  const { metrics } = await Effect.runPromise(runLoop(engine))
  const started = new Date()
  return Effect.runPromise(writeRun({ world, metrics, perAgent: engine.perAgent, started, finished: new Date(), workers: 1, ...extra }, dir, o))
}

const query = async (sql: string) => {
  const db = await DuckDBInstance.create(":memory:")
  const conn = await db.connect()
  const reader = await conn.runAndReadAll(sql)
  const rows = reader.getRowObjectsJS()
  conn.closeSync()
  db.closeSync()
  return rows
}

describe("run directory", () => {
  const root = mkdtempSync(join(tmpdir(), "kiln-out-"))

  it("holds the manifest, metrics (CSV = Parquet), agents and graph with the contract columns", async () => {
    const dir = await runTo(join(root, "a"))
    expect(readdirSync(dir).sort()).toEqual(["agents.parquet", "edges.parquet", "graph.json", "manifest.json", "metrics.csv", "metrics.parquet"])
    const csv = readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n")
    const header = csv[0].split(",")
    expect(header).toEqual([
      "tick", "energy_mean", "energy_sd", "temperature_mean", "plasticity_mean", "dissonance_mean",
      "social_dissonance_mean", "frustration_mean", "complexity_mean", "disagreement_mean", "edge_disagreement",
      "share_m", "salience_m", "attachment_blue", "attachment_red",
      "group_blue_size", "group_red_size", "group_blue_energy_mean", "group_red_energy_mean",
      ...["blue", "red"].flatMap((g) => ["a", "b", "f", "member:blue", "member:red"].map((b) => `group_${g}_belief_${b}_mean`)),
      "group_blue_share_m", "group_red_share_m", "occupancy_gloom",
      "belief_a_mean", "belief_b_mean", "belief_f_mean", "belief_member:blue_mean", "belief_member:red_mean"
    ])
    expect(csv.length - 1).toBe(13)
    const parquet = await query(`SELECT * FROM '${join(dir, "metrics.parquet")}' ORDER BY tick`)
    expect(Object.keys(parquet[0])).toEqual(header)
    csv.slice(1).forEach((line, r) => {
      line.split(",").forEach((v, c) => expect(parquet[r][header[c]]).toBe(Number(v)))
    })
    const agents = await query(`SELECT * FROM '${join(dir, "agents.parquet")}'`)
    expect(agents.length).toBe(30)
    expect(Object.keys(agents[0])).toEqual([
      "id", "group", "energy", "surprise", "belief_a", "belief_b", "belief_f", "belief_member:blue", "belief_member:red",
      "hosts_m", "salience_m", "attachment", "meme"
    ])
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))
    expect(manifest).toMatchObject({ status: "complete", seed: 3, ticks: 12, agents: 30, node: process.version })
    expect(manifest.scenario.name).toBe("small")
    const graph = JSON.parse(readFileSync(join(dir, "graph.json"), "utf8"))
    expect(graph.nodes.length).toBe(30)
    expect(graph.nodes[0].attributes).toHaveProperty("energy")
    expect(graph.nodes[0].attributes.group).toBe("blue")
  })

  it("edges.parquet and agents.parquet hold the graph and the final state graph.json holds", async () => {
    const dir = await runTo(join(root, "edges"))
    const graph = JSON.parse(readFileSync(join(dir, "graph.json"), "utf8")) as {
      nodes: Array<{ key: string; attributes: { energy: number; meme: string } }>
      edges: Array<{ source: string; target: string }>
    }
    const agents = await query(`SELECT id, energy, meme FROM '${join(dir, "agents.parquet")}'`)
    expect(agents.map((a) => a.id)).toEqual(graph.nodes.map((n) => n.key))
    expect(agents.map((a) => a.energy)).toEqual(graph.nodes.map((n) => n.attributes.energy))
    expect(agents.map((a) => a.meme ?? "")).toEqual(graph.nodes.map((n) => n.attributes.meme))
    expect(agents.some((a) => a.meme === "m")).toBe(true)
    const edges = await query(`SELECT source, target, weight FROM '${join(dir, "edges.parquet")}'`)
    const key = (a: unknown, b: unknown) => [String(a), String(b)].sort().join("-")
    expect(edges.map((e) => key(agents[Number(e.source)].id, agents[Number(e.target)].id)).sort())
      .toEqual(graph.edges.map((e) => key(e.source, e.target)).sort())
    expect(edges.every((e) => e.weight === 1)).toBe(true)
  })

  it("writes graph.json only when asked above 100,000 agents, and agents.parquet carries the layout", async () => {
    const layout = new Float32Array(60).map((_, k) => k / 7)
    const dir = await runTo(join(root, "nojson"), {}, small, { graphJson: false, layout })
    expect(readdirSync(dir)).not.toContain("graph.json")
    const files = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).files as string[]
    expect([...files].sort()).toEqual(readdirSync(dir).filter((f) => f !== "manifest.json").sort())
    const xy = await query(`SELECT x, y FROM '${join(dir, "agents.parquet")}'`)
    expect(xy.flatMap((r) => [r.x, r.y])).toEqual([...layout])
  })

  it("is byte-identical for the same scenario and seed", async () => {
    const a = await runTo(join(root, "b1"))
    const b = await runTo(join(root, "b2"))
    for (const f of ["metrics.csv", "metrics.parquet", "agents.parquet", "edges.parquet", "graph.json"]) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f)))).toBe(true)
    }
  })

  it("a failed write leaves neither the target nor a temporary directory", async () => {
    const blocker = join(root, "blocker")
    writeFileSync(blocker, "a file where a directory should be")
    await expect(runTo(join(blocker, "run"))).rejects.toThrow(/could not write the run/)
    expect(existsSync(join(blocker, "run"))).toBe(false)
    expect(readdirSync(root).filter((f) => f.includes(".tmp-"))).toEqual([])
  })

  it("never deletes a directory Kiln did not write, even with overwrite", async () => {
    const dir = join(root, "mine")
    mkdirSync(dir)
    writeFileSync(join(dir, "thesis.tex"), "years of work")
    for (const o of [{}, { overwrite: true }]) await expect(runTo(dir, o)).rejects.toThrow(/not a Kiln run directory/)
    expect(readdirSync(dir)).toEqual(["thesis.tex"])
    expect(readdirSync(root).filter((f) => f.includes(".tmp-"))).toEqual([])
  })

  it("replaces an earlier run only with overwrite, or writes beside it", async () => {
    const dir = await runTo(join(root, "again"))
    const first = readFileSync(join(dir, "manifest.json"), "utf8")
    await expect(runTo(dir)).rejects.toThrow(/holds an earlier Kiln run; pass --overwrite/)
    expect(readFileSync(join(dir, "manifest.json"), "utf8")).toBe(first)
    expect(await runTo(dir, { beside: true })).toBe(`${dir}-2`)
    expect(readFileSync(join(dir, "manifest.json"), "utf8")).toBe(first)
    expect(await runTo(dir, { overwrite: true })).toBe(dir)
    expect(readFileSync(join(dir, "manifest.json"), "utf8")).not.toBe(first)
    expect(readdirSync(root).filter((f) => f.startsWith("."))).toEqual([])
  })

  it("writes into an existing empty directory", async () => {
    const dir = join(root, "empty")
    mkdirSync(dir)
    expect(await runTo(dir)).toBe(dir)
    expect(readdirSync(dir)).toContain("manifest.json")
  })

  it("removes temporary directories that dead Kiln processes left beside it", async () => {
    const parent = join(root, "stale")
    const dead = spawnSync(process.execPath, ["-e", ""]).pid
    mkdirSync(join(parent, `.crashed-1.tmp-${dead}`), { recursive: true })
    writeFileSync(join(parent, `.crashed-1.tmp-${dead}/metrics.csv`), "half written")
    mkdirSync(join(parent, `.alive.tmp-${process.ppid}`))
    await runTo(join(parent, "run"))
    expect(readdirSync(parent).sort()).toEqual([`.alive.tmp-${process.ppid}`, "run"])
  })

  it("keeps the default directory of a scenario named like a path inside runs/", () => {
    const dir = defaultRunDir(prepareWorld({ ...small, name: "../../escape" }))
    expect(dir).toBe(join("runs", "escape-3"))
    expect(relative("runs", dir).startsWith("..")).toBe(false)
  })
})
