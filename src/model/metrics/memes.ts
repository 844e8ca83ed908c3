// Memes: the share of agents hosting each meme and its mean salience.
import { defineMetrics } from "./family.js"

/** Per meme, the mean over agents of an n×M array. */
const perMeme = (values: Uint8Array | Float32Array, n: number, M: number): number[] => {
  const out = new Array<number>(M).fill(0)
  for (let i = 0; i < n; i++) for (let m = 0; m < M; m++) out[m] += values[i * M + m]
  return out.map((v) => v / n)
}

export const memes = defineMetrics({
  family: "memes",
  slots: [],
  accumulate: ({ w }) =>
    w.memeVariants
      ? { share: w.memeVariants.summary.founderShare, salience: w.memeVariants.summary.founderSalience }
      : { share: perMeme(w.state.hosts, w.constants.n, w.constants.M), salience: perMeme(w.state.salience, w.constants.n, w.constants.M) },
  columns: [
    {
      each: "meme", name: (m) => `share_${m}`, values: (a) => a.share,
      doc: "share of agents hosting the meme (with meme evolution: carrying a variant of its lineage)"
    },
    {
      each: "meme", name: (m) => `salience_${m}`, values: (a) => a.salience,
      doc: "mean salience of the meme (with meme evolution: of each agent's most salient variant of its lineage, 0 for none)"
    }
  ]
})
