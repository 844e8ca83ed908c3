// Groups (present when the scenario has groups): each group's size, mean energy, mean beliefs and meme shares,
// over its members at the recorded tick (ritual evolution can move agents between groups). An empty group's
// means are undefined (NaN: empty cells, NULL in a store). Attachment per group is the attachment family's.
import type { World } from "../world.js"
import { defineMetrics } from "./family.js"

interface GroupSums {
  readonly size: Float64Array
  readonly energy: Float64Array
  /** group-major: G × B */
  readonly beliefs: Float64Array
  /** group-major: G × M */
  readonly shares: Float64Array
}

/** Whether agent i hosts each scenario meme (with meme evolution: carries a variant of its lineage), into `out`. */
const hostedMemes = (w: World): ((i: number, out: Uint8Array) => void) => {
  const { state: s, memeVariants } = w
  const M = w.scenario.memes.length
  if (!memeVariants) return (i, out) => out.set(s.hosts.subarray(i * M, (i + 1) * M))
  return (i, out) => {
    out.fill(0)
    for (const v of memeVariants.carried(i)) out[memeVariants.lineage(v.id).root] = 1
  }
}

const sumGroups = (w: World): GroupSums => {
  const { n, B, groupOf } = w.constants
  const G = w.groupNames.length
  const M = w.scenario.memes.length
  const sums = { size: new Float64Array(G), energy: new Float64Array(G), beliefs: new Float64Array(G * B), shares: new Float64Array(G * M) }
  const hosted = hostedMemes(w)
  const memes = new Uint8Array(M)
  const { spins, energy } = w.state
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]
    if (g < 0) continue
    sums.size[g]++
    sums.energy[g] += energy[i]
    for (let a = 0; a < B; a++) sums.beliefs[g * B + a] += spins[i * B + a]
    hosted(i, memes)
    for (let m = 0; m < M; m++) sums.shares[g * M + m] += memes[m]
  }
  return sums
}

/** Divides group-major sums by each group's size (NaN for an empty group). */
const perMember = (sums: Float64Array, size: Float64Array): Float64Array => {
  const width = size.length === 0 ? 0 : sums.length / size.length
  return sums.map((v, k) => v / size[Math.floor(k / width)])
}

export const groups = defineMetrics({
  family: "groups",
  when: (c) => c.groupNames.length > 0,
  slots: [],
  accumulate: ({ w }) => {
    const sums = sumGroups(w)
    return { size: sums.size, energy: perMember(sums.energy, sums.size), beliefs: perMember(sums.beliefs, sums.size), shares: perMember(sums.shares, sums.size) }
  },
  columns: [
    { each: "group", name: (g) => `group_${g}_size`, doc: "members of the group", values: (a) => a.size },
    { each: "group", name: (g) => `group_${g}_energy_mean`, doc: "mean ε over the group's members", values: (a) => a.energy },
    {
      each: ["group", "belief"], name: (g, b) => `group_${g}_belief_${b}_mean`, values: (a) => a.beliefs,
      doc: "mean of s over the group's members (the group's magnetisation)"
    },
    {
      each: ["group", "meme"], name: (g, m) => `group_${g}_share_${m}`, values: (a) => a.shares,
      doc: "share of the group's members hosting the meme (with meme evolution: carrying a variant of its lineage)"
    }
  ]
})
