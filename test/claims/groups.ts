// Group statistics from final agent states: agreement inside each group and distance between groups.
import type { World } from "../../src/model/world.js"

export interface GroupSpread {
  /** mean over groups and (non-identity) beliefs of 1 − m², m the group's mean belief: 0 = full consensus */
  readonly within: number
  /** mean over pairs of groups and beliefs of ((m_g − m_h)/2)²: 0 = same means, 1 = opposite consensus */
  readonly between: number
  /** how much more often two agents of different groups disagree than two of the same group (per belief) */
  readonly segregation: number
}

export const groupSpread = (world: World): GroupSpread => {
  const { n, B } = world.constants
  const G = world.groupNames.length
  const groupOf = world.constants.groupOf
  const spins = world.state.spins
  const beliefs = world.beliefs.map((b, a) => ({ a, kind: b.kind })).filter((b) => b.kind !== "identity").map((b) => b.a)
  const sum = new Float64Array(G * B)
  const count = new Float64Array(G)
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]
    if (g < 0) continue
    count[g]++
    for (const a of beliefs) sum[g * B + a] += spins[i * B + a]
  }
  const m = (g: number, a: number) => sum[g * B + a] / count[g]
  let within = 0
  for (let g = 0; g < G; g++) for (const a of beliefs) within += 1 - m(g, a) ** 2
  within /= G * beliefs.length
  let between = 0, pairs = 0
  for (let g = 0; g < G; g++) for (let h = g + 1; h < G; h++) {
    for (const a of beliefs) between += ((m(g, a) - m(h, a)) / 2) ** 2
    pairs++
  }
  between /= pairs * beliefs.length
  // chance that two agents disagree on a belief: (1 − m_g m_h)/2 across groups, (1 − m_g²)/2 inside one
  let across = 0
  for (let g = 0; g < G; g++) for (let h = g + 1; h < G; h++) for (const a of beliefs) across += (1 - m(g, a) * m(h, a)) / 2
  across /= pairs * beliefs.length
  return { within, between, segregation: across - within / 2 }
}
