// Colour and size of each node for a colour mode: categorical palettes for memes, groups and plugin categories, a
// ramp for scalars.
import { MEME_PALETTE } from "../../src/experiment/muller"
import type { StateScale, StateView } from "../../src/io/frames-format"

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

/** Category v of `count` in the group palette (its first two, blue and red, tell a binary trait apart); grey for others. */
export const categoryColour = (v: number, count: number): string =>
  Number.isInteger(v) && v >= 0 && v < count ? GROUP_PALETTE[v % GROUP_PALETTE.length] : NO_MEME

/** A plugin array's value on its declared scale: the ramp over [min, max], or its category's colour. */
export const stateColour = (v: number, scale: StateScale): string =>
  "categories" in scale ? categoryColour(v, scale.categories.length) : ramp(v, scale.min, scale.max)

/** A plugin array's value as the inspector writes it: its category's name, or the number. */
export const stateLabel = (v: number, scale: StateScale): string =>
  "categories" in scale ? (scale.categories[v] ?? String(v)) : Number.isInteger(v) ? String(v) : v.toPrecision(3)

/** The colour mode of a plugin array, as the selector names it. */
export const stateKey = (v: StateView): string => `${v.plugin}.${v.array}`

/**
 * What nodes are coloured by: the dominant hosted meme, the lineage of the dominant carried variant (with meme
 * evolution), the group, energy, attachment, belief index a, or the plugin array at `index` of the frames' plugin state.
 */
export type ColourMode =
  | { kind: "meme" } | { kind: "lineage" } | { kind: "group" } | { kind: "energy" } | { kind: "attachment" } | { kind: "belief"; index: number }
  | { kind: "plugin"; index: number; view: StateView }

export const modeKey = (m: ColourMode): string => (m.kind === "belief" ? `belief:${m.index}` : m.kind === "plugin" ? stateKey(m.view) : m.kind)

/** The mode a selector key names; `views` are the plugin arrays the frames carry (keys `<plugin>.<array>`). */
export const parseMode = (key: string, views: ReadonlyArray<StateView> = []): ColourMode => {
  if (key.startsWith("belief:")) return { kind: "belief", index: Number(key.slice(7)) }
  const index = views.findIndex((v) => stateKey(v) === key)
  if (index >= 0) return { kind: "plugin", index, view: views[index] }
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
