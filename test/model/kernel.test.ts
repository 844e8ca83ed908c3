// The step kernels on hand-set states: memes, prediction error, plasticity, energy, and the per-agent metrics.
import { describe, expect, it } from "vitest"
import { Slot, SLOTS } from "../../src/model/kernel.js"
import { engineFor } from "../support/scenario.js"

/** Two connected agents, two beliefs, one meme asserting both; energy sources off unless given. */
const pair = (meme: Record<string, unknown> = {}, energy: Record<string, unknown> = {}, weight = 1) =>
  engineFor({
    graph: { kind: "complete", n: 2 },
    weights: { mean: weight },
    beliefs: [{ name: "a" }, { name: "b" }],
    // Individual dispositions (any hNoise > 0) let a test hold each agent's beliefs in place.
    prior: { noise: 0, hNoise: 1e-9 },
    energy: { rest: 0, initial: 0, gamma: 0, surprise: 0, ...energy },
    memes: [{ name: "m", content: { a: 1, b: 1 }, ...meme }]
  })

describe("memes", () => {
  it("a hosting neighbour refreshes salience with chance beta; intensity is paid on the rise", () => {
    const e = pair({ transmissibility: 1, intensity: 0.8 })
    const { state: s } = e.world
    s.spins.set([1, 1, -1, -1])
    e.kernel.host(0, 2)
    expect([...s.hosts]).toEqual([1, 0])
    e.kernel.settle(0, 2)
    expect(s.salience[1]).toBe(1)
    expect(s.salience[0]).toBe(0)
    expect(s.energy[1]).toBeCloseTo(0.8, 6)
    expect(s.energy[0]).toBe(0)
  })

  it("without a hosting neighbour salience decays by delta per tick", () => {
    const e = pair({ transmissibility: 1, decay: 0.25 })
    const { state: s } = e.world
    s.spins.set([-1, -1, -1, -1])
    s.salience.set([1, 1])
    e.kernel.host(0, 2)
    e.kernel.settle(0, 2)
    e.kernel.settle(0, 2)
    expect([...s.salience]).toEqual([0.5625, 0.5625])
  })

  it("hosting needs the threshold share of the content", () => {
    const e = pair({ threshold: 0.5 })
    const { state: s } = e.world
    s.spins.set([1, -1, -1, -1])
    e.kernel.host(0, 2)
    expect([...s.hosts]).toEqual([1, 0])
  })

  it("salience adds the content field mu x c to the beliefs", () => {
    const e = pair({ load: 3 }, { tau0: 0 })
    const { state: s } = e.world
    s.spins.set([-1, -1, -1, -1])
    s.salience.set([1, 0])
    // T = 0: greedy. Agent 0 feels +3 from the meme against -1 from its neighbour on each belief.
    e.kernel.sweep(0, 1, true)
    const i0 = e.world.topology.order[0]
    expect(i0).toBe(0)
    expect([s.spins[0], s.spins[1]]).toEqual([1, 1])
  })
})

describe("energy", () => {
  /** Holds beliefs in place with strong dispositions, then runs the observing sweep and the settle phase. */
  const observeAndSettle = (e: ReturnType<typeof pair>, spins: number[]) => {
    const { state: s } = e.world
    s.spins.set(spins)
    s.dispositions.set(spins.map((v) => 10 * v))
    e.kernel.sweep(0, 2, true)
    expect([...s.spins]).toEqual(spins)
    e.kernel.host(0, 2)
    e.kernel.settle(0, 2)
  }

  it("prediction error is the |w|-weighted share of disagreeing observations and heats by sigma", () => {
    const e = pair({}, { surprise: 0.5 })
    const { state: s } = e.world
    observeAndSettle(e, [1, 1, 1, -1])
    expect(s.surprise[0]).toBe(0.5)
    expect(s.energy[0]).toBeCloseTo(0.25, 12)
  })

  it("weights an antagonistic tie by |w| in the prediction error", () => {
    const e = pair({}, { surprise: 0.5 }, -2)
    observeAndSettle(e, [1, 1, 1, -1])
    expect(e.world.state.surprise[0]).toBe(0.5)
    observeAndSettle(e, [1, 1, -1, -1])
    expect(e.world.state.surprise[0]).toBe(1)
  })

  it("is clamped to [0, max]", () => {
    const e = pair({}, { surprise: 50, max: 3 })
    observeAndSettle(e, [1, 1, -1, -1])
    expect([...e.world.state.energy]).toEqual([3, 3])
  })
})

describe("plasticity", () => {
  it("is zero below theta (the network is rigid) and imprints s sᵀ when hot", () => {
    const cold = pair({}, { initial: 0.5 })
    cold.world.state.spins.set([1, -1, 1, -1])
    cold.kernel.settle(0, 2)
    expect([...cold.world.state.couplings]).toEqual([0, 0])
    const hot = pair({}, { initial: 3 })
    hot.world.state.spins.set([1, -1, 1, 1])
    hot.kernel.settle(0, 2)
    // p = 1, eta = 0.05: W += 0.05 (s_a s_b - W).
    expect([...hot.world.state.couplings].map((w) => Math.round(w * 1e6) / 1e6)).toEqual([-0.05, 0.05])
  })
})

describe("per-agent metrics", () => {
  it("attachment is s[g] (1/|c|) sum_a W[g,a] c[a] / wMax for the agent's group", () => {
    const e = engineFor({
      graph: { kind: "connectedCaveman", caves: 2, size: 3, groups: ["g"] },
      beliefs: [{ name: "x" }, { name: "y" }],
      groups: [{ name: "g", content: { x: 1, y: -1 } }],
      prior: { noise: 0 },
      plasticity: { wMax: 2 }
    })
    const { state: s, constants: c, beliefIndex } = e.world
    const g = beliefIndex.get("member:g")!
    const at = (a: number, b: number) => c.pairIndex[a * c.B + b]
    s.couplings[at(g, 0)] = 1
    s.couplings[at(g, 1)] = 0.5
    s.spins[g] = 1
    const out = new Float64Array(c.n * SLOTS)
    e.kernel.measure(0, 1, out)
    // (1·1 + 0.5·-1) / 2 / 2 = 0.125
    expect(out[Slot.attachment]).toBeCloseTo(0.125, 6)
    s.spins[g] = -1
    e.kernel.measure(0, 1, out)
    expect(out[Slot.attachment]).toBeCloseTo(-0.125, 6)
  })

  it("occupancy counts agents agreeing with a pattern on at least 80% of its beliefs", () => {
    const names = ["p1", "p2", "p3", "p4", "p5"]
    const e = engineFor({
      graph: { kind: "erdosRenyi", n: 40, p: 0 },
      beliefs: names.map((name) => ({ name })),
      patterns: [{ name: "low", beliefs: Object.fromEntries(names.map((n) => [n, -1])), target: { fraction: 0.25 } }]
    })
    const s = e.world.state.spins
    const agreeing = (i: number) => names.filter((_, a) => s[i * 5 + a] === -1).length
    // Imprinted agents hold the pattern; the others agree by chance on >= 4 of 5 beliefs about 19% of the time.
    const expected = Array.from({ length: 40 }, (_, i) => agreeing(i) >= 4).filter(Boolean).length / 40
    const row = e.measure()
    expect(row[e.columns.indexOf("occupancy_low")]).toBe(expected)
    expect(expected).toBeGreaterThanOrEqual(0.25)
  })
})

describe("determinism", () => {
  it("the same seed gives the same trajectory; another seed a different one", () => {
    const json = (seed: number) => ({
      seed,
      graph: { kind: "wattsStrogatz", n: 300, k: 6, beta: 0.1 },
      beliefs: [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "f", kind: "factual" }],
      prior: { sd: 0.5, noise: 0.2 },
      memes: [{ name: "m", content: { a: 1, b: -1 }, intensity: 1 }],
      interventions: [
        { kind: "seedMeme", meme: "m", target: { fraction: 0.05 } },
        { kind: "psychedelic", target: { fraction: 0.2 }, start: 5, duration: 5, volatility: 0.5, complexityBias: 0.3 }
      ]
    })
    const run = (seed: number) => {
      const e = engineFor(json(seed))
      for (let t = 0; t < 30; t++) e.step()
      return [Buffer.from(e.world.state.spins.buffer).toString("base64"), Buffer.from(e.world.state.couplings.buffer).toString("base64"), e.measure()]
    }
    expect(run(4)).toEqual(run(4))
    expect(run(4)[0]).not.toEqual(run(5)[0])
  })
})
