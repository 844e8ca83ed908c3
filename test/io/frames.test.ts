// frames.bin: what the recorder writes is what the reader returns, tick by tick, with meme evolution's lineages
// when the run has them; files without that section keep the old layout; bad files are refused by name.
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Engine } from "../../src/model/engine.js"
import { decodeFrames, frameAt, FrameRecorder, frameStride, HEADER_BYTES, spin } from "../../src/io/frames.js"
import { SLOTS, Slot } from "../../src/model/kernel.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { scenario } from "../support/scenario.js"

const smallJson = {
  name: "frames",
  seed: 5,
  ticks: 12,
  graph: { kind: "connectedCaveman", caves: 5, size: 6, groups: ["blue", "red"] },
  beliefs: Array.from({ length: 9 }, (_, k) => ({ name: `b${k}` })),
  groups: [{ name: "blue", content: { b0: 1 } }, { name: "red", content: { b1: 1 } }],
  memes: [
    { name: "m", content: { b0: 1, b2: 1 }, intensity: 1 },
    { name: "k", content: { b1: 1, b3: -1 }, intensity: 0 }
  ],
  interventions: [
    { kind: "seedMeme", meme: "m", target: { ids: ["0", "1", "2"] } },
    { kind: "seedMeme", meme: "k", target: { ids: ["20", "21"] } }
  ]
}
const small = scenario(smallJson)
/** The same with meme evolution that mutates often, so a 12-tick run has lineages below its founders. */
const evolving = scenario({ ...smallJson, evolution: { memes: { mutation: { rate: 0.5 } } } })

describe("frames", () => {
  it("round-trips energy, attachment, dominant meme, beliefs and final couplings", () => {
    const world = prepareWorld(small)
    const engine = new Engine(world)
    const rec = new FrameRecorder()
    const expected: Array<{ tick: number; energy: Float32Array; attachment: Float32Array; spins: Int8Array; hosts: Uint8Array }> = []
    const snap = () => {
      engine.measure()
      rec.record(world, engine.tick, engine.perAgent)
      expected.push({
        tick: engine.tick,
        energy: Float32Array.from(world.state.energy),
        attachment: Float32Array.from({ length: world.constants.n }, (_, i) => engine.perAgent[i * SLOTS + Slot.attachment]),
        spins: world.state.spins.slice(),
        hosts: world.state.hosts.slice()
      })
    }
    snap()
    while (engine.tick < 12) {
      engine.step()
      if (engine.tick % 3 === 0) snap()
    }
    const dir = mkdtempSync(join(tmpdir(), "kiln-frames-"))
    const f = decodeFrames(readFileSync(rec.write(dir)))
    const { n, B, M, P } = world.constants
    expect([f.n, f.B, f.M, f.P, f.count]).toEqual([n, B, M, P, expected.length])
    expect(B).toBeGreaterThan(8) // beliefs span two bytes per agent
    expect(Array.from(f.ticks)).toEqual(expected.map((e) => e.tick))
    expected.forEach((e, k) => {
      expect(f.energy(k)).toEqual(e.energy)
      expect(f.attachment(k)).toEqual(e.attachment)
      const beliefs = f.beliefs(k)
      const meme = f.meme(k)
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < B; a++) expect(spin(beliefs, B, i, a)).toBe(e.spins[i * B + a])
        const hosted = Array.from({ length: M }, (_, m) => e.hosts[i * M + m])
        if (meme[i] < 0) expect(hosted.every((h) => h === 0)).toBe(true)
        else expect(hosted[meme[i]]).toBe(1)
      }
    })
    expect(expected.at(-1)!.hosts.some((h) => h === 1)).toBe(true)
    expect(f.couplings).toEqual(world.state.couplings)
    expect([f.lineage, f.lineages]).toEqual([undefined, undefined])
  })

  it("without meme evolution keeps the layout of files written before lineages: no lineage bytes, reserved header zero", () => {
    const world = prepareWorld(small)
    const rec = new FrameRecorder()
    rec.record(world, 0)
    rec.record(world, 1)
    const bytes = rec.bytes()
    const { n, P } = world.constants
    expect(bytes.byteLength).toBe(HEADER_BYTES + 2 * frameStride(world.constants) + 4 * n * P)
    expect(frameStride(world.constants)).toBe(Math.ceil((4 + 9 * n + n * 2) / 4) * 4)
    expect(Array.from(bytes.subarray(36, HEADER_BYTES)).every((b) => b === 0)).toBe(true)
  })

  it("with meme evolution round-trips each agent's dominant lineage, its founder as the meme, and the lineage table", () => {
    const world = prepareWorld(evolving)
    const variants = world.memeVariants!
    const engine = new Engine(world)
    const rec = new FrameRecorder()
    const expected: Array<{ tick: number; lineage: Int32Array }> = []
    const snap = () => {
      engine.measure()
      rec.record(world, engine.tick, engine.perAgent)
      expected.push({ tick: engine.tick, lineage: Int32Array.from({ length: world.constants.n }, (_, i) => variants.dominantLineage(i)) })
    }
    snap()
    while (engine.tick < 12) {
      engine.step()
      if (engine.tick % 3 === 0) snap()
    }
    const f = decodeFrames(rec.bytes())
    expect(Array.from(f.ticks)).toEqual(expected.map((e) => e.tick))
    expected.forEach((e, k) => {
      expect(f.lineage!(k)).toEqual(e.lineage)
      expect(Array.from(f.meme(k))).toEqual(Array.from(e.lineage, (id) => (id < 0 ? -1 : variants.lineage(id).root)))
    })
    expect(expected.at(-1)!.lineage.some((id) => id >= 0)).toBe(true)
    const t = f.lineages!
    expect(t.id.length).toBe(variants.lineageCount)
    for (let id = 0; id < variants.lineageCount; id++) {
      const l = variants.lineage(id)
      expect([t.id[id], t.parent[id], t.root[id], t.birthTick[id]]).toEqual([l.id, l.parent, l.root, l.birthTick])
    }
    // mutation at rate 0.5 has made variants below the two founders
    expect(Array.from(t.parent).filter((p) => p >= 0).length).toBeGreaterThan(0)
    expect(f.couplings).toEqual(world.state.couplings)
    // live mode's one-frame snapshot carries the newest ids and the table as it stands
    const s = decodeFrames(rec.snapshot()!)
    expect([s.count, s.couplings]).toEqual([1, undefined])
    expect(s.lineage!(0)).toEqual(expected.at(-1)!.lineage)
    expect(s.lineages!.parent).toEqual(t.parent)
  })

  it("measures attachment itself when not given Kernel.measure's output", () => {
    const world = prepareWorld(small)
    const engine = new Engine(world)
    engine.step()
    engine.measure()
    const a = new FrameRecorder()
    const b = new FrameRecorder()
    a.record(world, 1, engine.perAgent)
    b.record(world, 1)
    expect(decodeFrames(b.bytes()).attachment(0)).toEqual(decodeFrames(a.bytes()).attachment(0))
  })

  it("serves a one-frame snapshot of the newest frame", () => {
    const world = prepareWorld(small)
    const rec = new FrameRecorder()
    rec.record(world, 0)
    world.state.energy[3] = 7.5
    rec.record(world, 4)
    const s = decodeFrames(rec.snapshot()!)
    expect([s.count, s.ticks[0], s.energy(0)[3], s.couplings]).toEqual([1, 4, 7.5, undefined])
    const trace = rec.trace(3)
    expect(Array.from(trace.ticks)).toEqual([0, 4])
    expect(trace.energy[1]).toBe(7.5)
  })

  it("refuses files that are not frames, saying why", () => {
    expect(() => decodeFrames(new Uint8Array(10))).toThrow(/kiln\/frames: not a frames file: 10 bytes is shorter/)
    expect(() => decodeFrames(new Uint8Array(64))).toThrow(/starts with .* expected "KILNFRM1"/)
    const rec = new FrameRecorder()
    rec.record(prepareWorld(small), 0)
    expect(() => decodeFrames(rec.bytes().subarray(0, 100))).toThrow(/expected \d+ for 1 frames of 30 agents/)
    expect(() => decodeFrames(rec.bytes()).energy(1)).toThrow(RangeError)
  })

  it("finds the frame shown at a tick", () => {
    const ticks = Int32Array.from([0, 5, 10, 15])
    expect([-1, 0, 4, 5, 9, 10, 99].map((t) => frameAt(ticks, t))).toEqual([0, 0, 0, 1, 1, 2, 3])
  })
})
