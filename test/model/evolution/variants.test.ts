// Meme evolution: the Price equation adds up, a neutral trait is not selected while transmissibility is, the
// variant table's capacity policy holds, and variation off leaves the built-in memes as they were.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { priceTerms } from "../../../src/model/evolution/price.js"
import { worldTables } from "../../../src/model/evolution/index.js"
import { MEME_TRAITS } from "../../../src/scenario/evolution.js"
import { decodeScenario } from "../../../src/scenario/load.js"
import { simulate, type SimulationResult } from "../../../src/run/simulation.js"

/** One founder meme seeded in a fifth of 300 agents; `mutation` says which traits vary. */
const evolving = (seed: number, mutation: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  decodeScenario({
    name: "evolving", seed, ticks: 200, recordEvery: 10,
    graph: { kind: "wattsStrogatz", n: 300, k: 6, beta: 0.1 },
    beliefs: ["a", "b", "c", "d", "e", "f"].map((name) => ({ name })),
    memes: [{ name: "m", content: { a: 1, b: 1 }, load: 0.3, intensity: 0.1, transmissibility: 0.3, decay: 0.1 }],
    interventions: [{ kind: "seedMeme", meme: "m", target: { fraction: 0.2 } }],
    evolution: { memes: { slots: 3, mutation: { rate: 0.05, ...mutation }, ...extra } }
  }, "<evolving>")

const NEUTRAL = { sd: { intensity: 0, load: 0, transmissibility: 0, decay: 0, threshold: 0, tag: 1 } }
const BETA = { sd: { intensity: 0, load: 0, transmissibility: 0.05, decay: 0, threshold: 0, tag: 0 } }

const column = (r: SimulationResult, name: string): number[] => {
  const k = r.metrics.columns.indexOf(name)
  if (k < 0) throw new Error(`no column ${name}`)
  return r.metrics.rows.map((row) => row[k])
}

const tableRows = (r: SimulationResult, name: string): Array<Record<string, unknown>> => {
  const t = worldTables(r.world).find((x) => x.name === name)!
  return t.rows.map((row) => Object.fromEntries(t.columns.map((c, k) => [c.name, row[k]])))
}

const meanSe = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))
  return { mean: m, se: sd / Math.sqrt(xs.length) }
}

/** Of new variants whose trait went up (down) from their parent's, the share that ever reached `k` carriers. */
const reachBySign = (r: SimulationResult, trait: string, k: number) => {
  const rows = tableRows(r, "lineages")
  const byId = new Map(rows.map((x) => [Number(x.variant), x]))
  const tally = { up: { n: 0, hit: 0 }, down: { n: 0, hit: 0 } }
  for (const x of rows) {
    if (Number(x.parent) < 0) continue
    const d = Number(x[trait]) - Number(byId.get(Number(x.parent))![trait])
    if (d === 0) continue
    const side = d > 0 ? tally.up : tally.down
    side.n++
    if (Number(x.peak_hosts) >= k) side.hit++
  }
  return tally
}

/** z of p_up − p_down for pooled tallies. */
const twoProportionZ = (t: ReturnType<typeof reachBySign>) => {
  const p1 = t.up.hit / t.up.n, p2 = t.down.hit / t.down.n
  const p = (t.up.hit + t.down.hit) / (t.up.n + t.down.n)
  return (p1 - p2) / Math.sqrt(p * (1 - p) * (1 / t.up.n + 1 / t.down.n))
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8]

describe("the Price equation", () => {
  it("is the textbook identity on constructed data: two parents, one fitter, one offspring mutated", () => {
    // parents: 10 hosts of z = 0 and 10 of z = 1; afterwards 10 and 30 hosts, the fitter line's mean moved to 1.1
    const t = priceTerms([10, 10], [0, 1], [10, 30], [0, 33])
    expect(t.change).toBeCloseTo(33 / 40 - 0.5, 12)
    expect(t.selection).toBeCloseTo((30 / 20 - 2 * 0.5) / 2, 12) // Cov(w,z) = E(wz) − w̄ z̄ = 1.5 − 1, over w̄ = 2
    expect(t.transmission).toBeCloseTo(3 / 20 / 2, 12)
  })

  it("selection + transmission = change, for any parents and offspring", () => {
    const lineage = fc.record({
      n: fc.integer({ min: 1, max: 50 }), z: fc.double({ min: -5, max: 5, noNaN: true }),
      o: fc.integer({ min: 0, max: 80 }), dz: fc.double({ min: -1, max: 1, noNaN: true })
    })
    fc.assert(fc.property(fc.array(lineage, { minLength: 1, maxLength: 12 }), (ls) => {
      fc.pre(ls.some((l) => l.o > 0))
      const t = priceTerms(ls.map((l) => l.n), ls.map((l) => l.z), ls.map((l) => l.o), ls.map((l) => l.o * (l.z + l.dz)))
      expect(t.selection + t.transmission).toBeCloseTo(t.change, 9)
    }), { seed: 11 })
  })

  it("splits selection between and within groups: the between part is the covariance of the groups' fitness and mean trait", () => {
    const lineage = fc.record({
      n: fc.integer({ min: 1, max: 50 }), z: fc.double({ min: -5, max: 5, noNaN: true }),
      o: fc.integer({ min: 0, max: 80 }), g: fc.integer({ min: 0, max: 3 })
    })
    fc.assert(fc.property(fc.array(lineage, { minLength: 1, maxLength: 12 }), (ls) => {
      fc.pre(ls.some((l) => l.o > 0))
      const t = priceTerms(ls.map((l) => l.n), ls.map((l) => l.z), ls.map((l) => l.o), ls.map((l) => l.o * l.z), ls.map((l) => l.g))
      // by hand: E_k[Cov within k] + Cov_k(W_k, Z_k) = Cov(w, z) (the law of total covariance, host-weighted)
      const N = ls.reduce((a, l) => a + l.n, 0)
      const wBar = ls.reduce((a, l) => a + l.o, 0) / N
      let within = 0
      for (const g of new Set(ls.map((l) => l.g))) {
        const k = ls.filter((l) => l.g === g)
        const nk = k.reduce((a, l) => a + l.n, 0)
        const wk = k.reduce((a, l) => a + l.o, 0) / nk
        const zk = k.reduce((a, l) => a + l.n * l.z, 0) / nk
        within += (k.reduce((a, l) => a + l.o * l.z, 0) - nk * wk * zk) / N
      }
      expect(t.between + within / wBar).toBeCloseTo(t.selection, 9)
    }), { seed: 12 })
    // one group: nothing between
    expect(priceTerms([10, 10], [0, 1], [10, 30], [0, 30], [0, 0]).between).toBeCloseTo(0, 12)
  })

  it("in a run, the two terms add up to the observed change of every trait's carrier-weighted mean between records", async () => {
    const r = await simulate(evolving(3, { ...BETA, sd: { ...BETA.sd, intensity: 0.05, load: 0.05, tag: 1 }, flip: 0.1 }))
    let checked = 0
    for (const trait of MEME_TRAITS) {
      const mean = column(r, `trait_${trait}_mean`)
      const sel = column(r, `price_${trait}_selection`)
      const tra = column(r, `price_${trait}_transmission`)
      // from the second record on: seeding at tick 0 brought the founder in from outside the first interval
      for (let k = 2; k < mean.length; k++) {
        expect(sel[k] + tra[k], `${trait} at record ${k}`).toBeCloseTo(mean[k] - mean[k - 1], 9)
        checked++
      }
    }
    expect(checked).toBe(MEME_TRAITS.length * 19)
    expect(column(r, "variants_born").at(-1)).toBeGreaterThan(100)
  })
})

describe("selection on variants", async () => {
  const neutral = await Promise.all(SEEDS.map((seed) => simulate(evolving(seed, NEUTRAL))))
  const beta = await Promise.all(SEEDS.map((seed) => simulate(evolving(seed, BETA))))
  const total = (r: SimulationResult, name: string) => column(r, name).slice(2).reduce((a, b) => a + b, 0)

  it("a neutral tag is not selected: its Price selection term is zero within 3 standard errors over seeds", () => {
    const s = meanSe(neutral.map((r) => total(r, "price_tag_selection")))
    console.log(`[evolution] neutral tag: total selection ${s.mean.toFixed(4)} ± ${s.se.toFixed(4)} (SE, ${SEEDS.length} seeds)`)
    expect(Math.abs(s.mean)).toBeLessThan(3 * s.se)
    // it drifts: the variance grows from 0
    for (const r of neutral) expect(column(r, "trait_tag_var").at(-1)).toBeGreaterThan(0.5)
  })

  it("neutral variants reach 3 carriers equally often whichever way their tag moved", () => {
    const pooled = { up: { n: 0, hit: 0 }, down: { n: 0, hit: 0 } }
    for (const r of neutral) {
      const t = reachBySign(r, "tag", 3)
      for (const side of ["up", "down"] as const) { pooled[side].n += t[side].n; pooled[side].hit += t[side].hit }
    }
    const z = twoProportionZ(pooled)
    console.log(`[evolution] neutral: reached 3 carriers ${pooled.up.hit}/${pooled.up.n} (tag up) vs ${pooled.down.hit}/${pooled.down.n} (down), z = ${z.toFixed(2)}`)
    expect(pooled.up.n + pooled.down.n).toBeGreaterThan(1000)
    expect(Math.abs(z)).toBeLessThan(3)
  })

  it("transmissibility is selected: positive selection term (> 3 SE over seeds), and variants that raised it spread further", () => {
    const s = meanSe(beta.map((r) => total(r, "price_transmissibility_selection")))
    console.log(`[evolution] transmissibility: total selection ${s.mean.toFixed(4)} ± ${s.se.toFixed(4)} (SE)`)
    expect(s.mean).toBeGreaterThan(3 * s.se)
    const pooled = { up: { n: 0, hit: 0 }, down: { n: 0, hit: 0 } }
    for (const r of beta) {
      const t = reachBySign(r, "transmissibility", 3)
      for (const side of ["up", "down"] as const) { pooled[side].n += t[side].n; pooled[side].hit += t[side].hit }
    }
    const z = twoProportionZ(pooled)
    console.log(`[evolution] transmissibility: reached 3 carriers ${pooled.up.hit}/${pooled.up.n} (up) vs ${pooled.down.hit}/${pooled.down.n} (down), z = ${z.toFixed(2)}`)
    expect(z).toBeGreaterThan(3)
    // and the mean rose
    const rise = meanSe(beta.map((r) => column(r, "trait_transmissibility_mean").at(-1)! - 0.3))
    expect(rise.mean).toBeGreaterThan(3 * rise.se)
  })
})

describe("the variant table", () => {
  it("when full, refuses new variants (faithful copies), recycles extinct variants' rows and never holds more than its capacity", async () => {
    const r = await simulate(evolving(5, { ...NEUTRAL, rate: 0.3, flip: 0.3 }, { capacity: 4 }))
    const live = column(r, "variants_live")
    expect(Math.max(...live)).toBeLessThanOrEqual(4)
    expect(column(r, "variants_refused").at(-1)).toBeGreaterThan(0)
    // more variants were born than the table holds: rows of extinct ones were reused
    expect(column(r, "variants_born").at(-1)).toBeGreaterThan(4)
    const lineages = tableRows(r, "lineages")
    expect(new Set(lineages.map((x) => x.variant)).size).toBe(lineages.length)
    expect(lineages.filter((x) => Number(x.extinct_tick) < 0).length).toBeLessThanOrEqual(4)
    // every carried slot points at a live table row
    const { carried } = r.world.state
    for (const v of carried) expect(v).toBeLessThan(4)
  })

  it("variants, lineages and host counts agree: the variants table's hosts at the last record are the agents carrying each variant", async () => {
    const r = await simulate(evolving(2, { ...NEUTRAL, flip: 0.2, add: 0.1, drop: 0.1 }))
    const last = r.metrics.rows.at(-1)![0]
    const rows = tableRows(r, "variants").filter((x) => x.tick === last)
    const mv = r.world.memeVariants!
    const counts = new Map<number, number>()
    for (let i = 0; i < r.world.constants.n; i++) for (const c of mv.carried(i)) counts.set(c.id, (counts.get(c.id) ?? 0) + 1)
    expect(new Map(rows.map((x) => [Number(x.variant), Number(x.hosts)]))).toEqual(counts)
    expect(rows.length).toBe(column(r, "variants_live").at(-1))
    // content mutations happened and every variant asserts at least one belief
    const lineages = tableRows(r, "lineages")
    expect(new Set(lineages.map((x) => x.content)).size).toBeGreaterThan(5)
    for (const x of lineages) expect(String(x.content).length).toBeGreaterThan(0)
  })

  it("with mutation rate 0 only the founders exist, and founders' shares match their carriers", async () => {
    const r = await simulate(evolving(4, { rate: 0 }))
    expect(column(r, "variants_born").at(-1)).toBe(0)
    expect(tableRows(r, "lineages").map((x) => x.variant)).toEqual([0])
    const share = column(r, "share_m").at(-1)!
    expect(share).toBeGreaterThan(0.2)
    const carriers = Array.from({ length: r.world.constants.n }, (_, i) => r.world.memeVariants!.carried(i).length).filter((k) => k > 0).length
    expect(share).toBe(carriers / r.world.constants.n)
  })

  it("without evolution, no variant columns or tables, and the built-in memes are untouched", async () => {
    const base = evolving(1, {})
    const { evolution: _, ...plain } = base
    const r = await simulate({ ...plain, evolution: {} })
    expect(r.metrics.columns.some((c) => c.startsWith("variants_") || c.startsWith("price_"))).toBe(false)
    expect(r.world.memeVariants).toBeUndefined()
    expect(worldTables(r.world)).toEqual([])
    expect(r.world.state.carried.length).toBe(0)
  })
})
