// Builds a scenario's social graph: a generator seeded from the scenario seed, or a file; then edge weights.
import { dirname, resolve } from "node:path"
import { InputError } from "../errors.js"
import { makeStream, nextGaussian, seedStreams } from "../model/rng.js"
import type { GraphSpecT, Scenario } from "../scenario/schema.js"
import { checkResources, graphShape, type GraphShape, type Limits } from "./resources.js"
import * as Gen from "../model/graph/generators.js"
import { readGraphFile } from "../io/graph-files.js"
import type { SocialGraph } from "../model/graph/social-graph.js"

/** Salts keep the graph's random stream apart from every other stream drawn from the same seed. */
const GRAPH_SALT = 0x67726168
const WEIGHT_SALT = 0x77656967

/** Builds the scenario's graph after checking that the run fits in memory (InputError when it cannot). */
export const buildGraph = (s: Scenario, scenarioFile: string, limits?: Limits): SocialGraph => {
  const g = s.graph
  if (g.kind === "file") {
    const graph = readGraphFile(resolve(dirname(scenarioFile), g.path))
    checkResources(s, shapeOf(graph), scenarioFile, limits)
    return checkGroups(weighFile(graph, s, scenarioFile, g.path), s, scenarioFile)
  }
  checkResources(s, graphShape(s)!, scenarioFile, limits)
  return checkGroups(weigh(generate(g, s.seed, scenarioFile), s), s, scenarioFile)
}

export const shapeOf = (g: SocialGraph): GraphShape => ({ n: g.n, edges: g.source.length, directed: g.directed })

/** Runs the generator; the schema and reference checks keep its RangeErrors out of reach, this names them if not. */
const generate = (g: GeneratedSpec, seed: number, file: string): SocialGraph => {
  try {
    return generateUnchecked(g, seed)
  } catch (e) {
    if (e instanceof RangeError) throw new InputError({ file, path: "graph", message: e.message })
    throw e
  }
}

type GeneratedSpec = Exclude<GraphSpecT, { readonly kind: "file" }>

const generateUnchecked = (g: GeneratedSpec, seed: number): SocialGraph => {
  const rand = makeStream(seed, GRAPH_SALT)
  switch (g.kind) {
    case "complete":
      return Gen.complete(g.n)
    case "lattice":
      return Gen.lattice(g.rows, g.cols, g.periodic)
    case "erdosRenyi":
      return Gen.erdosRenyi(g.n, g.p, rand)
    case "wattsStrogatz":
      return Gen.wattsStrogatz(g.n, g.k, g.beta, rand)
    case "barabasiAlbert":
      return Gen.barabasiAlbert(g.n, g.m, rand)
    case "stochasticBlock":
      return named(Gen.stochasticBlock(g.sizes, g.pIn, g.pOut, rand, g.groups?.length), g.groups)
    case "connectedCaveman":
      return named(Gen.connectedCaveman(g.caves, g.size, rand, g.rewire, g.groups?.length), g.groups)
  }
}

/** Generated groups carry the names the scenario gave them; without names a generated graph has no groups. */
const named = (g: SocialGraph, names: ReadonlyArray<string> | undefined): SocialGraph =>
  names ? { ...g, groupNames: names } : { ...g, group: new Int32Array(g.n).fill(-1), groupNames: [] }

const isDefaultWeights = (w: Scenario["weights"]): boolean => w.mean === 1 && w.sd === 0 && w.scale === "none"

/**
 * A file's own edge weights (any weight other than 1) are its data: a scenario `weights` section on top of
 * them would be ignored or would overwrite them, so it is refused. A file without weights is weighed like
 * a generated graph, from the seed.
 */
const weighFile = (g: SocialGraph, s: Scenario, file: string, graphFile: string): SocialGraph => {
  if (isDefaultWeights(s.weights)) return g
  if (g.weight.some((w) => w !== 1)) {
    throw new InputError({
      file,
      path: "weights",
      message: `the graph file ${graphFile} has its own edge weights; remove the weights section or the file's weights`
    })
  }
  return weigh(g, s)
}

/** Edge weights of a generated graph: mean + sd·N(0,1), divided by √N for the SK scaling. */
const weigh = (g: SocialGraph, s: Scenario): SocialGraph => {
  const { mean, sd, scale } = s.weights
  if (isDefaultWeights(s.weights)) return g
  const div = scale === "sqrtN" ? Math.sqrt(g.n) : 1
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
