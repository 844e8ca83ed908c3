// Who an intervention or pattern reaches: everyone, a group, listed ids, a random fraction, or the top-k by degree.
import { InputError } from "../errors.js"
import { makeStream } from "./rng.js"
import type { TargetSpec } from "../scenario/schema.js"
import type { SocialGraph } from "./graph/social-graph.js"
import type { Topology } from "./graph/topology.js"

export interface TargetContext {
  readonly graph: SocialGraph
  readonly topology: Topology
  readonly seed: number
  readonly file: string
}

/** Agent indices (ascending) reached by `target`; `salt` gives each random fraction its own stream. */
export const resolveTargets = (target: TargetSpec, ctx: TargetContext, salt: number, path: string): Int32Array => {
  const { graph } = ctx
  const n = graph.n
  if (target === "all") return Int32Array.from({ length: n }, (_, i) => i)
  if ("group" in target) {
    const g = graph.groupNames.indexOf(target.group)
    const out: number[] = []
    for (let i = 0; i < n; i++) if (graph.group[i] === g) out.push(i)
    return Int32Array.from(out)
  }
  if ("ids" in target) {
    const byKey = new Map(graph.keys.map((k, i) => [k, i]))
    return Int32Array.from(
      target.ids.map((id, k) => {
        const i = byKey.get(String(id))
        if (i === undefined) {
          throw new InputError({ file: ctx.file, path: `${path}.ids[${k}]`, message: `no agent with id "${id}" in the graph` })
        }
        return i
      })
    ).sort()
  }
  if ("fraction" in target) return sample(n, Math.round(target.fraction * n), makeStream(ctx.seed, salt))
  const k = Math.min(n, target.topDegree)
  const byDegree = Array.from({ length: n }, (_, i) => i)
  byDegree.sort((a, b) => ctx.topology.degree[b] - ctx.topology.degree[a] || a - b)
  return Int32Array.from(byDegree.slice(0, k)).sort()
}

/** k distinct agents out of n by a partial Fisher–Yates shuffle. */
const sample = (n: number, k: number, rand: () => number): Int32Array => {
  const pool = Int32Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i))
    const t = pool[i]
    pool[i] = pool[j]
    pool[j] = t
  }
  return pool.slice(0, k).sort()
}
