// The viewer of a large run: communities as nodes (size by members, colour by their dominant meme with its share as
// saturation), an inspector for a community, and drill-down into one community's agents (GET /api/community/<k>),
// drawn by the ordinary GraphView; a back button returns to the communities.
import Graph from "graphology"
import Sigma from "sigma"
import { pathLine } from "sigma/rendering"
import type { AggregateGraph, CommunityNode, Drill } from "../../src/serve/info"
import { memeColour, NO_MEME, RAMP, ramp } from "./colours"
import { energyReference, fetchJson, type Info, type LoadedGraph, type NodeState } from "./data"
import { EdgeLayer } from "./edge-layer"
import { GraphView } from "./graph-view"

/** What the page's hooks expose of the aggregate view (tests and measurements read it). */
export interface AggregateHooks {
  communities: number
  /** the community drilled into, and how many of its agents are drawn */
  drilled?: { community: number; members: number; shown: number; edges: number }
  communityScreen: (k: number) => { x: number; y: number }
  inspected?: number
  drillView?: GraphView
  renderer?: Sigma
}

const hexRgb = (hex: string): [number, number, number] => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)) as [number, number, number]

/**
 * A community's colour: its dominant meme's colour, mixed with the grey of "no meme" by how dominant it is — a
 * community where every member hosts the meme has the full colour, one where a fifth does is mostly grey. A
 * community whose largest part hosts no meme is grey.
 */
export const communityColour = (c: CommunityNode): string => {
  const M = c.memes.length - 1
  let best = M
  for (let m = 0; m < M; m++) if (c.memes[m] > c.memes[best]) best = m
  if (best === M) return NO_MEME
  const t = 0.15 + 0.85 * c.memes[best]
  const [a, b] = [hexRgb(NO_MEME), hexRgb(memeColour(best))]
  const mix = (j: number) => Math.round(a[j] + (b[j] - a[j]) * t)
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`
}

/** Node size in screen pixels: area proportional to members, the largest community 28 px across. */
const sizeOf = (members: number, largest: number) => Math.max(2.5, 14 * Math.sqrt(members / Math.max(1, largest)))

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`)
const pct = (x: number) => `${(100 * x).toFixed(1)}%`

export interface AggregatePage {
  readonly info: Info
  readonly container: HTMLElement
  readonly inspector: HTMLElement
  readonly legend: HTMLElement
  readonly select: HTMLSelectElement
  readonly setStatus: (text: string) => void
  readonly message: (text: string | undefined) => void
  readonly hooks: AggregateHooks
}

/** The community graph, and one community's agents on demand. */
export class AggregateViewer {
  private renderer: Sigma | undefined
  private edges: EdgeLayer | undefined
  private drill: GraphView | undefined
  private mode = "meme"
  private readonly back: HTMLButtonElement

  constructor(
    private readonly page: AggregatePage,
    readonly graph: AggregateGraph
  ) {
    page.hooks.communities = graph.communities.length
    // The colour modes that mean something for a community: dominant meme, mean energy, mean belief.
    page.select.replaceChildren(new Option("dominant meme", "meme"), new Option("energy (mean)", "energy"),
      ...graph.beliefs.map((b, a) => new Option(`belief: ${b} (mean)`, `belief:${a}`)))
    page.select.onchange = () => {
      this.mode = page.select.value
      if (this.drill) this.drill.setMode(this.drillMode())
      else this.recolour()
      this.showLegend()
    }
    this.back = document.createElement("button")
    this.back.id = "back-to-communities"
    this.back.textContent = "◀ communities"
    this.back.title = "Back to the communities (Esc)"
    this.back.hidden = true
    this.back.onclick = () => this.showCommunities()
    document.getElementById("status")!.before(this.back)
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.drill) this.showCommunities()
    })
    page.hooks.communityScreen = (k) => {
      const r = this.renderer!
      const d = r.getNodeDisplayData(String(k))!
      const p = r.framedGraphToViewport({ x: d.x, y: d.y })
      const box = page.container.getBoundingClientRect()
      return { x: box.left + p.x, y: box.top + p.y }
    }
    this.showCommunities()
  }

  private colourOf(c: CommunityNode): string {
    if (this.mode === "energy") return ramp(c.energy, 0, this.energyRef)
    if (this.mode.startsWith("belief:")) return ramp(c.beliefs[Number(this.mode.slice(7))] ?? 0, -1, 1)
    return communityColour(c)
  }

  private get energyRef(): number {
    return energyReference(this.graph.communities.map((c) => c.energy))
  }

  private recolour(): void {
    const g = this.renderer?.getGraph()
    g?.updateEachNodeAttributes((k, a) => ({ ...a, color: this.colourOf(this.graph.communities[Number(k)]) }), { attributes: ["color"] })
  }

  private showLegend(): void {
    const item = (colour: string, label: string) =>
      `<div class="item"><span class="swatch" style="background:${colour}"></span>${escape(label)}</div>`
    const gradient = (lo: string, hi: string, title: string) =>
      `<div>${escape(title)}</div><div class="ramp" style="background:linear-gradient(90deg,${RAMP.join(",")})"></div>` +
      `<div class="ends"><span>${lo}</span><span>${hi}</span></div>`
    const memes = this.graph.memes
    const m = this.mode
    const scope = this.drill ? "" : " of a community"
    this.page.legend.innerHTML =
      m === "energy"
        ? gradient("0", (this.drill ? this.drill.energyRef : this.energyRef).toFixed(1), `${this.drill ? "energy" : "mean energy"}${scope}`)
        : m.startsWith("belief:")
          ? gradient("−1", "+1", `${this.drill ? "" : "mean "}${this.graph.beliefs[Number(m.slice(7))]}${scope}`)
          : memes.map((name, k) => item(memeColour(k), name)).join("") + item(NO_MEME, "no meme") +
            (this.drill ? "" : `<div class="ends">paler: a smaller share hosts it</div><div class="ends">size: members</div>`)
  }

  /** The community graph (again). */
  showCommunities(): void {
    this.drill?.dispose()
    this.drill = undefined
    this.page.hooks.drilled = undefined
    this.page.hooks.drillView = undefined
    this.back.hidden = true
    if (this.mode.startsWith("belief:") || this.mode === "energy" || this.mode === "meme") this.page.select.value = this.mode
    const { graph: a } = this
    const largest = a.communities.reduce((m, c) => Math.max(m, c.members), 0)
    const g = new Graph()
    for (const c of a.communities) g.addNode(String(c.id), { x: c.x, y: c.y, size: sizeOf(c.members, largest), color: this.colourOf(c) })
    this.renderer = new Sigma(g, this.page.container, {
      primitives: { edges: { paths: [pathLine()] } },
      styles: {
        nodes: [
          { x: { attribute: "x" }, y: { attribute: "y" }, color: { attribute: "color" }, size: { attribute: "size" }, labelVisibility: "hidden", depth: "nodes" },
          { whenState: "isHighlighted", then: { depth: "topNodes", backdropVisibility: "visible", backdropColor: "#ffffff", backdropPadding: 3, backdropShadowBlur: 14 } }
        ]
      },
      settings: { itemSizesReference: "screen", renderLabels: false, renderEdgeLabels: false, enableNodeDrag: false, stagePadding: 30 }
    })
    this.page.hooks.renderer = this.renderer
    const keys = a.communities.map((c) => String(c.id))
    this.edges = new EdgeLayer(this.page.container, this.renderer, keys, Int32Array.from(a.links, (l) => l[0]), Int32Array.from(a.links, (l) => l[1]), 1.5)
    this.renderer.on("clickNode", ({ node }) => void this.open(Number(node)))
    const method = a.method === "groups" ? "the scenario's groups" : `label propagation (${a.iterations} sweeps)`
    this.page.setStatus(`${a.agents.toLocaleString("en-US")} agents in ${a.communities.length} communities (${method}` +
      `${a.attached > 0 ? `; ${a.attached.toLocaleString("en-US")} smaller ones joined to the one they are most tied to` : ""}` +
      `${a.other ? `; ${a.communities[a.communities.length - 1].label}` : ""}) · click one for its agents`)
    this.showLegend()
    if (this.page.hooks.inspected !== undefined) this.inspect(this.page.hooks.inspected)
  }

  /** The inspector for community k: members, mean energy, meme shares and belief means. */
  inspect(k: number): void {
    const c = this.graph.communities[k]
    this.page.hooks.inspected = k
    const p = this.page.inspector
    p.hidden = false
    const memes = [...this.graph.memes, "no meme"]
    const bars = c.memes
      .map((s, m) => ({ s, m }))
      .filter(({ s }) => s > 0)
      .sort((x, y) => y.s - x.s)
      .map(({ s, m }) => `<li><span class="bar" style="width:${(100 * s).toFixed(1)}%;background:${m < memes.length - 1 ? memeColour(m) : NO_MEME}"></span>` +
        `<span class="what">${escape(memes[m])}</span> <span class="num">${pct(s)}</span></li>`)
      .join("")
    const beliefs = this.graph.beliefs
      .map((b, a) => `<li class="${c.beliefs[a] >= 0 ? "pos" : "neg"}">${escape(b)} ${c.beliefs[a] >= 0 ? "+" : "−"}${Math.abs(c.beliefs[a]).toFixed(2)}</li>`)
      .join("")
    p.innerHTML = `
      <header><h2><span class="key"></span></h2><button class="close" title="Close">×</button></header>
      <p class="facts">${c.members.toLocaleString("en-US")} members · mean energy ${c.energy.toFixed(2)} · internal tie weight ${c.internal.toFixed(1)}</p>
      <h3>Meme shares (dominant meme of each member, end of run)</h3><ul class="shares">${bars}</ul>
      <h3>Belief means (−1…+1)</h3><ul class="beliefs">${beliefs}</ul>
      <p class="drill-note"></p><p class="agent"></p>`
    p.querySelector(".key")!.textContent = c.label
    p.querySelector<HTMLButtonElement>(".close")!.onclick = () => {
      p.hidden = true
      this.page.hooks.inspected = undefined
    }
  }

  /** Clicking a community: its inspector, and its agents drawn in place of the communities. */
  async open(k: number): Promise<void> {
    this.inspect(k)
    const c = this.graph.communities[k]
    this.page.message(`Loading ${c.label} (${c.members.toLocaleString("en-US")} agents)…`)
    let d: Drill
    try {
      d = await fetchJson<Drill>(`api/community/${k}`)
    } catch (e) {
      this.page.message(undefined)
      this.page.setStatus(String(e))
      return
    }
    this.page.message(undefined)
    this.edges?.dispose()
    this.renderer?.kill()
    this.renderer = undefined
    this.page.hooks.renderer = undefined
    const view = new GraphView(this.page.container, toLoaded(d, this.page.info), { ...this.page.info, memes: this.graph.memes })
    const state = toState(d, this.page.info)
    view.energyRef = energyReference(state.energy)
    view.setMode(this.drillMode())
    view.show(state)
    view.renderer.on("clickNode", ({ node }) => this.showAgent(d, view.graph.getNodeAttribute(node, "i") as number, view, node))
    this.drill = view
    this.back.hidden = false
    this.page.hooks.drillView = view
    this.page.hooks.drilled = { community: k, members: d.members, shown: d.shown, edges: d.edgesShown }
    const capped = d.shown < d.members
    const note = capped
      ? `showing ${d.shown.toLocaleString("en-US")} of ${d.members.toLocaleString("en-US")} members: those with the most ties inside the community`
      : `all ${d.members.toLocaleString("en-US")} members`
    this.page.setStatus(`${c.label}: ${note} · ${d.edgesShown.toLocaleString("en-US")} internal ties · ` +
      `${d.positions === "layout" ? "positions from the run's layout" : "laid out now"}`)
    const drillNote = this.page.inspector.querySelector(".drill-note")
    if (drillNote) drillNote.textContent = capped ? `Drawn: ${note}.` : `Drawn: ${note}.`
    this.showLegend()
  }

  private drillMode() {
    const m = this.mode
    return m.startsWith("belief:") || m === "meme" ? ({ kind: "meme" } as const) : ({ kind: "energy" } as const)
  }

  private showAgent(d: Drill, j: number, view: GraphView, key: string): void {
    view.highlight(key)
    const el = this.page.inspector.querySelector(".agent")
    if (!el) return
    const memes = this.graph.memes
    el.textContent = `Agent ${d.keys[j]} · group ${d.group[j] || "—"} · energy ${d.energy[j].toFixed(2)} · ` +
      `attachment ${d.attachment[j].toFixed(2)} · meme ${d.meme[j] >= 0 ? memes[d.meme[j]] : "none"}`
  }
}

/** A drilled community as the GraphView loads a graph: nodes keyed by agent id, edges as index pairs. */
const toLoaded = (d: Drill, info: Info): LoadedGraph => {
  const graph = new Graph()
  const groupIndex = new Map(info.groups.map((g, k) => [g, k]))
  for (let j = 0; j < d.shown; j++) {
    graph.addNode(d.keys[j], { x: d.x[j], y: d.y[j], i: j, g: groupIndex.get(d.group[j]) ?? -1, size: 2 })
  }
  return { graph, source: Int32Array.from(d.source), target: Int32Array.from(d.target) }
}

/** The drilled agents' final state, as a one-tick NodeState. */
const toState = (d: Drill, info: Info): NodeState => ({
  tick: info.ticks,
  energy: Float32Array.from(d.energy),
  attachment: Float32Array.from(d.attachment),
  meme: Int8Array.from(d.meme)
})
