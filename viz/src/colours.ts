// Colour and size of each node for a colour mode: categorical palettes for memes and groups, a ramp for scalars.
import { MEME_PALETTE } from "../../src/experiment/muller"

/** Background of the graph; palettes are chosen to read on it. */
export const BACKGROUND = "#0e1117"
export const NO_MEME = "#39404d"
export const EDGE = "rgba(160, 170, 190, 0.07)"
export const POSITIVE = "#f2c14e"
export const NEGATIVE = "#4f86f7"

/** Memes: defined with lineage colours, whose founders take them (warm and saturated first). */
export { MEME_PALETTE }
export const GROUP_PALETTE = ["#5b8def", "#e5534b", "#57ab5a", "#c69026", "#986ee2", "#39c5cf", "#e275ad", "#96a2b4"]

/** A perceptual-ish ramp (dark purple → orange → pale yellow), quantised so colour strings repeat and cache. */
const RAMP_STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [40, 20, 80], [110, 30, 120], [190, 55, 100], [240, 110, 60], [252, 190, 70], [252, 250, 180]
]
export const RAMP_LEVELS = 48
export const RAMP: ReadonlyArray<string> = Array.from({ length: RAMP_LEVELS }, (_, k) => {
  const t = (k / (RAMP_LEVELS - 1)) * (RAMP_STOPS.length - 1)
  const i = Math.min(Math.floor(t), RAMP_STOPS.length - 2)
  const f = t - i
  const [a, b] = [RAMP_STOPS[i], RAMP_STOPS[i + 1]]
  const c = (j: number) => Math.round(a[j] + (b[j] - a[j]) * f)
  return `rgb(${c(0)},${c(1)},${c(2)})`
})

export const ramp = (v: number, lo: number, hi: number): string => {
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5
  const k = Math.round((t < 0 ? 0 : t > 1 ? 1 : t) * (RAMP_LEVELS - 1))
  return RAMP[Number.isFinite(k) ? k : 0]
}

export const memeColour = (m: number): string => (m < 0 ? NO_MEME : MEME_PALETTE[m % MEME_PALETTE.length])
export const groupColour = (g: number): string => (g < 0 ? NO_MEME : GROUP_PALETTE[g % GROUP_PALETTE.length])

/**
 * What nodes are coloured by: the dominant hosted meme, the lineage of the dominant carried variant (with meme
 * evolution), the group, energy, attachment, or belief index a.
 */
export type ColourMode =
  | { kind: "meme" } | { kind: "lineage" } | { kind: "group" } | { kind: "energy" } | { kind: "attachment" } | { kind: "belief"; index: number }

export const modeKey = (m: ColourMode): string => (m.kind === "belief" ? `belief:${m.index}` : m.kind)
export const parseMode = (key: string): ColourMode => {
  if (key.startsWith("belief:")) return { kind: "belief", index: Number(key.slice(7)) }
  return { kind: key as "meme" | "lineage" | "group" | "energy" | "attachment" }
}

/** Node size from energy: area grows with energy, so a hot agent reads as bigger, not just brighter. */
export const sizeOf = (energy: number, energyRef: number, base: number): number => {
  const t = energyRef > 0 ? energy / energyRef : 0
  return base * (0.55 + 1.25 * Math.sqrt(t < 0 ? 0 : t > 1.5 ? 1.5 : t))
}

/** Base node size in screen pixels for n nodes in a view of the given area: smaller when crowded. */
export const baseSize = (n: number, area: number): number => {
  const perNode = Math.sqrt(area / Math.max(1, n))
  return Math.max(0.8, Math.min(3, 0.1 * perNode))
}
