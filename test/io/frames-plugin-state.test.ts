// frames.bin with plugin state: the arrays a plugin declares viewable are carried per frame as float32 and their
// declarations close the file; with meme evolution too; plugins without `view` leave the older layout unchanged.
import { describe, expect, it } from "vitest"
import { decodeFrames, FrameRecorder, HEADER_BYTES, PLUGIN_STATE } from "../../src/io/frames.js"
import { Engine } from "../../src/model/engine.js"
import { definePlugin, type LoadedPlugin } from "../../src/model/plugin.js"
import type { World } from "../../src/model/world.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { scenario } from "../support/scenario.js"

const smallJson = {
  name: "frames-plugins",
  seed: 3,
  ticks: 9,
  graph: { kind: "connectedCaveman", caves: 4, size: 5, groups: ["blue", "red"] },
  beliefs: [{ name: "a" }, { name: "b" }],
  groups: [{ name: "blue", content: { a: 1 } }, { name: "red", content: { b: 1 } }],
  memes: [{ name: "m", content: { a: 1, b: 1 }, intensity: 1 }],
  interventions: [{ kind: "seedMeme", meme: "m", target: { ids: ["0", "1"] } }]
}

/** Opinions that drift, a category per agent, and an array nobody views. */
const drift = definePlugin({
  name: "drift",
  state: { opinion: "float64", camp: "int8", hidden: "int32" },
  view: { camp: { categories: ["left", "centre", "right"] }, opinion: { min: 0, max: 1 } },
  rules: [{
    name: "move",
    over: "agents",
    run: ({ state, random }, lo, hi) => {
      for (let i = lo; i < hi; i++) {
        state.opinion[i] = random(i)
        state.camp[i] = Math.floor(3 * state.opinion[i])
        state.hidden[i] += 1
      }
    }
  }]
})
/** A plugin that declares nothing viewable. */
const quiet = definePlugin({ name: "quiet", state: { x: "float32" }, init: ({ state, n }) => state.x.fill(n) })

const loaded = (...plugins: Array<typeof drift | typeof quiet>): LoadedPlugin[] =>
  plugins.map((plugin) => ({ plugin, url: "inline:", raw: undefined, options: undefined }))

/** Records tick 0 and every third tick of `world`, with what its plugins' arrays held at each. */
const recordRun = (world: World) => {
  const engine = new Engine(world)
  const rec = new FrameRecorder()
  const seen: Array<{ camp: Float32Array; opinion: Float32Array }> = []
  const snap = () => {
    engine.measure()
    rec.record(world, engine.tick, engine.perAgent)
    const drifting = world.plugins.find((p) => p.plugin.name === "drift")
    if (drifting) seen.push({ camp: Float32Array.from(drifting.state.camp), opinion: Float32Array.from(drifting.state.opinion) })
  }
  snap()
  while (engine.tick < world.scenario.ticks) {
    engine.step()
    if (engine.tick % 3 === 0) snap()
  }
  return { rec, seen }
}

describe("frames with plugin state", () => {
  it("carry each viewable array per frame as float32, in declaration order, with its scale; undeclared arrays stay out", () => {
    const world = prepareWorld(scenario(smallJson), "<scenario>", undefined, false, loaded(quiet, drift))
    const { rec, seen } = recordRun(world)
    const f = decodeFrames(rec.bytes())
    expect(f.pluginState.map(({ plugin, array, scale }) => ({ plugin, array, scale }))).toEqual([
      { plugin: "drift", array: "camp", scale: { categories: ["left", "centre", "right"] } },
      { plugin: "drift", array: "opinion", scale: { min: 0, max: 1 } }
    ])
    expect(f.count).toBe(seen.length)
    seen.forEach((s, k) => {
      expect(f.pluginState[0].values(k)).toEqual(s.camp)
      expect(f.pluginState[1].values(k)).toEqual(s.opinion)
    })
    // the opinions really moved between frames, and every camp was seen
    expect(f.pluginState[1].values(1)).not.toEqual(f.pluginState[1].values(2))
    expect(new Set(f.pluginState[0].values(3))).toEqual(new Set([0, 1, 2]))
    // the built-in sections are where they were
    expect(f.energy(f.count - 1)).toEqual(Float32Array.from(world.state.energy))
    expect(f.couplings).toEqual(world.state.couplings)
    expect(f.lineage).toBeUndefined()
  })

  it("follow the lineage ids with meme evolution", () => {
    const evolving = scenario({ ...smallJson, evolution: { memes: { mutation: { rate: 0.5 } } } })
    const world = prepareWorld(evolving, "<scenario>", undefined, false, loaded(drift))
    const { rec, seen } = recordRun(world)
    const f = decodeFrames(rec.bytes())
    const v = world.memeVariants!
    expect(f.lineage!(f.count - 1)).toEqual(Int32Array.from({ length: world.constants.n }, (_, i) => v.dominantLineage(i)))
    expect(f.lineages!.id.length).toBe(v.lineageCount)
    expect(f.pluginState[1].values(f.count - 1)).toEqual(seen.at(-1)!.opinion)
  })

  it("are in live mode's one-frame snapshot, with their declarations", () => {
    const world = prepareWorld(scenario(smallJson), "<scenario>", undefined, false, loaded(drift))
    const { rec, seen } = recordRun(world)
    const s = decodeFrames(rec.snapshot()!)
    expect([s.count, s.couplings, s.pluginState.map((a) => a.array)]).toEqual([1, undefined, ["camp", "opinion"]])
    expect(s.pluginState[0].values(0)).toEqual(seen.at(-1)!.camp)
  })

  it("are absent when no plugin declares a view: the file is byte for byte the one without plugins", () => {
    const plain = new FrameRecorder()
    plain.record(prepareWorld(scenario(smallJson)), 0)
    const withQuiet = new FrameRecorder()
    withQuiet.record(prepareWorld(scenario(smallJson), "<scenario>", undefined, false, loaded(quiet)), 0)
    const bytes = withQuiet.bytes()
    expect(bytes).toEqual(plain.bytes())
    expect(new DataView(bytes.buffer).getUint32(32, true) & PLUGIN_STATE).toBe(0)
    expect(Array.from(bytes.subarray(40, HEADER_BYTES)).every((b) => b === 0)).toBe(true)
    expect(decodeFrames(bytes).pluginState).toEqual([])
  })

  it("refuses declarations that do not match the header, saying so", () => {
    const rec = new FrameRecorder()
    rec.record(prepareWorld(scenario(smallJson), "<scenario>", undefined, false, loaded(drift)), 0)
    const bytes = rec.bytes()
    bytes[bytes.byteLength - 1] = 0x20 // the closing bracket of the JSON
    expect(() => decodeFrames(bytes)).toThrow(/kiln\/frames: not a frames file: its plugin state declarations are not JSON/)
    const one = rec.bytes()
    new DataView(one.buffer).setUint32(40, 3, true)
    expect(() => decodeFrames(one)).toThrow(/frame stride \d+ does not match/)
  })
})
