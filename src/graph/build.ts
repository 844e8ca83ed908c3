// Builds a scenario's social graph: a generator seeded from the scenario seed, or a file; then edge weights.
import { dirname, resolve } from "node:path"
import { InputError } from "../errors.js"
import { makeStream, nextGaussian, seedStreams } from "../rng.js"
import type { Scenario } from "../scenario/schema.js"
import * as Gen from "./generators.js"
import { readGraphFile } from "./files.js"
import type { SocialGraph } from "./social-graph.js"

/** Salts keep the graph's random stream apart from every other stream drawn from the same seed. */
const GRAPH_SALT = 0x67726168
const WEIGHT_SALT = 0x77656967

export const buildGraph = (s: Scenario, scenarioFile: string): SocialGraph => {
  const rand = makeStream(s.seed, GRAPH_SALT)
  const g = s.graph
  let graph: SocialGraph
  switch (g.kind) {
    case "complete":
      graph = Gen.complete(g.n)
      break
    case "lattice":
      graph = Gen.lattice(g.rows, g.cols, g.periodic)
      break
    case "erdosRenyi":
      graph = Gen.erdosRenyi(g.n, g.p, rand)
      break
    case "wattsStrogatz":
      graph = Gen.wattsStrogatz(g.n, g.k, g.beta, rand)
      break
    case "barabasiAlbert":
      graph = Gen.barabasiAlbert(g.n, g.m, rand)
      break
    case "stochasticBlock":
      graph = named(Gen.stochasticBlock(g.sizes, g.pIn, g.pOut, rand, g.groups?.length), g.groups)
      break
    case "connectedCaveman":
      graph = named(Gen.connectedCaveman(g.caves, g.size, rand, g.rewire, g.groups?.length), g.groups)
      break
    case "file":
      return checkGroups(readGraphFile(resolve(dirname(scenarioFile), g.path)), s, scenarioFile)
  }
  return checkGroups(weigh(graph, s), s, scenarioFile)
}

/** Generated groups carry the names the scenario gave them; without names a generated graph has no groups. */
const named = (g: SocialGraph, names: ReadonlyArray<string> | undefined): SocialGraph =>
  names ? { ...g, groupNames: names } : { ...g, group: new Int32Array(g.n).fill(-1), groupNames: [] }

/** Edge weights of a generated graph: mean + sd·N(0,1), divided by √N for the SK scaling. */
const weigh = (g: SocialGraph, s: Scenario): SocialGraph => {
  const { mean, sd, scale } = s.weights
  const div = scale === "sqrtN" ? Math.sqrt(g.n) : 1
  if (sd === 0 && mean === 1 && div === 1) return g
  const rng = new Uint32Array(4)
  seedStreams(rng, 1, s.seed, WEIGHT_SALT)
  const weight = new Float32Array(g.weight.length)
  for (let e = 0; e < weight.length; e++) weight[e] = (mean + (sd > 0 ? sd * nextGaussian(rng, 0) : 0)) / div
  return { ...g, weight }
}

/** Every group the scenario declares must exist in the graph (groups without members measure nothing). */
const checkGroups = (g: SocialGraph, s: Scenario, file: string): SocialGraph => {
  const present = new Set(g.groupNames)
  s.groups.forEach((grp, i) => {
    if (!present.has(grp.name)) {
      throw new InputError({
        file,
        path: `groups[${i}].name`,
        message: `group "${grp.name}" has no members in the graph (graph groups: ${g.groupNames.join(", ") || "none"})`
      })
    }
  })
  return g
}
