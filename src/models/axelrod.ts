// Axelrod's culture model: agents hold F cultural features with q traits each; a random agent meets a random
// neighbour and, with probability equal to the share of features they already share, copies one feature in which
// they differ. Few traits end in one culture, many in frozen fragments: an order–disorder transition in q.
// Random-sequential by definition, so the encounters run in the model step on the main thread in a fixed order.
import { Effect, Schema } from "effect"
import { definePlugin, type PluginState } from "../model/plugin.js"
import { param } from "../scenario/fields.js"

/** Plugin state is one array per agent and name, so the F ≤ 10 features are ten arrays; those past F stay 0. */
const MAX_FEATURES = 10
/** e^−q underflows past q ≈ 745; traits are int16 */
const POISSON_MAX = 700

const state = {
  feature0: "int16", feature1: "int16", feature2: "int16", feature3: "int16", feature4: "int16",
  feature5: "int16", feature6: "int16", feature7: "int16", feature8: "int16", feature9: "int16",
  // region: the lowest agent of the agent's cultural region; inLargest: 1 in the largest region (the lowest-numbered
  // of equals); active: 1 when the agent has a neighbour with which it shares some but not all features
  region: "int32", inLargest: "uint8", active: "uint8"
} as const
type State = PluginState<typeof state>

export default definePlugin({
  name: "axelrod",
  options: Schema.Struct({
    features: param(3, "F: cultural features per agent (at most 10)", { int: true, min: 1, max: MAX_FEATURES }),
    traits: param(10, "q: traits per feature (uniform), or their mean (poisson)", { above: 0, max: 32767 }),
    // Castellano et al. draw Poisson traits for F = 2, which makes q continuous
    distribution: Schema.Literals(["uniform", "poisson"]).annotate({ description: "initial traits: uniform on 0..q−1 or Poisson with mean q" })
      .pipe(Schema.withDecodingDefaultKey(Effect.succeed("uniform" as const)))
  }).check(Schema.makeFilter((o) => {
    if (o.distribution === "uniform" && !Number.isInteger(o.traits)) return { path: ["traits"], issue: `uniform traits need an integer q, got ${o.traits}` }
    if (o.distribution === "poisson" && o.traits > POISSON_MAX) return { path: ["traits"], issue: `a Poisson mean of at most ${POISSON_MAX}, got ${o.traits}` }
    return undefined
  })),
  state,
  view: { inLargest: { categories: ["other regions", "largest region"] } },
  init: ({ state, n, random, options: { features, traits, distribution }, topology }) => {
    const culture = featuresOf(state, features)
    const draw = distribution === "uniform" ? (u: number) => Math.floor(u * traits) : (u: number) => poisson(u, traits)
    for (let i = 0; i < n; i++) for (const f of culture) f[i] = draw(random(i))
    markRegions(state, culture, n, topology.offsets, topology.neighbours)
  },
  // One tick is n encounters; encounter k draws from agent k's stream: the agent, its neighbour, whether they
  // interact, and the feature copied.
  step: ({ state, n, random, options: { features }, topology }) => {
    const culture = featuresOf(state, features)
    const { offsets, neighbours } = topology
    for (let k = 0; k < n; k++) {
      const i = Math.floor(random(k) * n)
      const degree = offsets[i + 1] - offsets[i]
      if (degree === 0) continue
      const j = neighbours[offsets[i] + Math.floor(random(k) * degree)]
      const differing = differences(culture, i, j)
      if (differing === 0 || differing === features || random(k) >= (features - differing) / features) continue
      copyOneDifference(culture, i, j, Math.floor(random(k) * differing))
    }
    markRegions(state, culture, n, topology.offsets, topology.neighbours)
  },
  reporters: [
    { column: "axelrod_largest", value: ({ state }, i) => state.inLargest[i], reduce: "mean" },
    { column: "axelrod_regions", value: ({ state }, i) => (state.region[i] === i ? 1 : 0), reduce: "sum" },
    { column: "axelrod_active", value: ({ state }, i) => state.active[i], reduce: "mean" }
  ]
})

const featuresOf = (state: State, features: number): Int16Array[] =>
  [state.feature0, state.feature1, state.feature2, state.feature3, state.feature4,
    state.feature5, state.feature6, state.feature7, state.feature8, state.feature9].slice(0, features)

/** A Poisson variate of mean q from one uniform, by inversion (at most 32767, the largest int16 trait). */
function poisson(u: number, q: number): number {
  let k = 0, p = Math.exp(-q), cumulative = p
  while (u >= cumulative && p > 0 && k < 32767) {
    k++
    p *= q / k
    cumulative += p
  }
  return k
}

/** The number of features in which agents i and j differ. */
function differences(culture: Int16Array[], i: number, j: number): number {
  let d = 0
  for (const f of culture) if (f[i] !== f[j]) d++
  return d
}

/** i takes j's trait in the `which`-th feature (in feature order) in which they differ. */
function copyOneDifference(culture: Int16Array[], i: number, j: number, which: number): void {
  for (const f of culture) {
    if (f[i] === f[j]) continue
    if (which-- === 0) {
      f[i] = f[j]
      return
    }
  }
}

/**
 * Cultural regions: connected components of neighbours with identical cultures, found breadth-first from each
 * unvisited agent in index order (so a region is labelled by its lowest agent). Marks the largest region and the
 * agents with an active link (0 < shared features < F), whose absence means the dynamics has frozen.
 */
function markRegions(state: State, culture: Int16Array[], n: number, offsets: Int32Array, neighbours: Int32Array): void {
  const { region, inLargest, active } = state
  region.fill(-1)
  const queue = new Int32Array(n)
  let largest = -1, largestSize = 0
  for (let start = 0; start < n; start++) {
    if (region[start] >= 0) continue
    region[start] = start
    let head = 0, tail = 0
    queue[tail++] = start
    while (head < tail) {
      const i = queue[head++]
      for (let e = offsets[i]; e < offsets[i + 1]; e++) {
        const j = neighbours[e]
        if (region[j] < 0 && differences(culture, i, j) === 0) {
          region[j] = start
          queue[tail++] = j
        }
      }
    }
    if (tail > largestSize) {
      largest = start
      largestSize = tail
    }
  }
  for (let i = 0; i < n; i++) {
    inLargest[i] = region[i] === largest ? 1 : 0
    active[i] = 0
    for (let e = offsets[i]; e < offsets[i + 1]; e++) {
      const d = differences(culture, i, neighbours[e])
      if (d > 0 && d < culture.length) active[i] = 1
    }
  }
}
