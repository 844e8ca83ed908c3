// The agent inspector: energy trace, plugin state, beliefs, and the agent's own belief network as a second, small sigma
// (nodes = beliefs coloured by the agent's stance; edges = couplings W_ab, colour = sign, width = |W_ab|).
import Graph from "graphology"
import Sigma, { DEFAULT_STYLES } from "sigma"
import uPlot from "uplot"
import { NEGATIVE, POSITIVE } from "./colours"
import type { Info } from "./data"

export interface AgentDetail {
  readonly key: string
  readonly index: number
  readonly group: string
  readonly ticks: ArrayLike<number>
  readonly energy: ArrayLike<number>
  /** couplings, packed upper triangle (P = B(B-1)/2), and when they were taken */
  readonly couplings: ArrayLike<number> | undefined
  readonly couplingsNote: string
  /** live mode with meme evolution: every variant the agent carried when it was clicked */
  readonly carried?: { readonly tick: number; readonly variants: ReadonlyArray<VariantLine> }
}

/** A variant an agent carries: lineage id, founder meme, ancestry from its parent back to the founder. */
export interface VariantLine {
  readonly id: number
  readonly founder: string
  readonly ancestry: ReadonlyArray<number>
  readonly salience?: number
}

/** The agent at the tick shown: its stance per belief (+1/-1; empty when unknown), energy and meme. */
export interface AgentNow {
  readonly tick: number
  readonly spins: ReadonlyArray<number>
  readonly energy: number
  readonly meme: string
  /** with meme evolution: the dominant carried variant at this tick (undefined: none) */
  readonly dominant?: VariantLine
  /** the plugin arrays the frames carry (`<plugin>.<array>`), with the agent's value at this tick */
  readonly pluginState: ReadonlyArray<{ readonly name: string; readonly value: string }>
}

const POS_EDGE = "#57ab5a"
const NEG_EDGE = "#e5534b"

export class Inspector {
  private net: Sigma | undefined
  private trace: uPlot | undefined
  private netGraph: Graph | undefined
  private tick = 0
  detail: AgentDetail | undefined

  constructor(
    private readonly panel: HTMLElement,
    private readonly info: Info,
    private readonly onClose: () => void
  ) {}

  /** The belief network's renderer while open (tests read its graph and display data). */
  get network(): Sigma | undefined {
    return this.net
  }

  get isOpen(): boolean {
    return this.detail !== undefined
  }

  open(d: AgentDetail, now: AgentNow): void {
    this.close(false)
    this.detail = d
    const p = this.panel
    p.hidden = false
    p.innerHTML = `
      <header><h2>Agent <span class="key"></span></h2><button class="close" title="Close (Esc)">×</button></header>
      <p class="facts"></p>
      <h3>Energy</h3><div class="trace"></div>
      ${now.pluginState.length > 0 ? `<h3>Plugin state</h3><ul class="plugin-state"></ul>` : ""}
      <h3>Beliefs</h3><ul class="beliefs"></ul>${this.info.lineages ? `<h3>Meme variants</h3><ul class="variants"></ul>` : ""}
      <h3>Belief network <small class="note"></small></h3><div class="net"></div>
      <p class="netlegend"><span style="color:${POS_EDGE}">━ W &gt; 0</span> <span style="color:${NEG_EDGE}">━ W &lt; 0</span> width = |W|; node colour = stance</p>`
    p.querySelector(".key")!.textContent = d.key
    p.querySelector(".note")!.textContent = d.couplingsNote
    p.querySelector<HTMLButtonElement>(".close")!.onclick = () => this.close()
    this.trace = new uPlot(
      {
        width: 280,
        height: 90,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false } },
        axes: [
          { stroke: "#8b93a5", size: 22, grid: { show: false } },
          { stroke: "#8b93a5", size: 34, grid: { stroke: "rgba(255,255,255,0.06)" } }
        ],
        series: [{}, { stroke: "#ff9f43", width: 1.5, points: { show: false } }],
        plugins: [{ hooks: { draw: [(u) => this.drawCursor(u)] } }]
      },
      [Float64Array.from(d.ticks), Float64Array.from(d.energy)],
      p.querySelector<HTMLElement>(".trace")!
    )
    this.net = this.buildNetwork(p.querySelector<HTMLElement>(".net")!, d)
    this.update(now)
  }

  private drawCursor(u: uPlot): void {
    const x = u.valToPos(this.tick, "x", true)
    if (!Number.isFinite(x)) return
    u.ctx.save()
    u.ctx.strokeStyle = "rgba(255,255,255,0.6)"
    u.ctx.beginPath()
    u.ctx.moveTo(x, u.bbox.top)
    u.ctx.lineTo(x, u.bbox.top + u.bbox.height)
    u.ctx.stroke()
    u.ctx.restore()
  }

  private buildNetwork(el: HTMLElement, d: AgentDetail): Sigma {
    const B = this.info.beliefs.length
    const g = new Graph({ type: "undirected" })
    this.info.beliefs.forEach((name, a) => {
      const angle = (2 * Math.PI * a) / B - Math.PI / 2
      g.addNode(String(a), { x: Math.cos(angle), y: Math.sin(angle), label: name, size: 9, color: "#666" })
    })
    if (d.couplings !== undefined) {
      const wMax = this.info.wMax > 0 ? this.info.wMax : 1
      let k = 0
      for (let a = 0; a < B; a++) {
        for (let b = a + 1; b < B; b++, k++) {
          const w = d.couplings[k]
          if (Math.abs(w) < 0.04 * wMax) continue
          g.addEdge(String(a), String(b), { weight: w, color: w > 0 ? POS_EDGE : NEG_EDGE, size: 0.5 + (5 * Math.abs(w)) / wMax })
        }
      }
    }
    this.netGraph = g
    return new Sigma(g, el, {
      styles: {
        nodes: [DEFAULT_STYLES.nodes, { labelVisibility: "visible", labelColor: "#d7dce5", labelSize: 11 }],
        edges: [DEFAULT_STYLES.edges, { color: { attribute: "color" }, size: { attribute: "size" } }]
      },
      settings: { itemSizesReference: "screen", stagePadding: 40, enableCameraZooming: false, enableCameraPanning: false, enableNodeDrag: false }
    })
  }

  /** Follows the tick shown: beliefs list, node colours of the network, cursor on the trace. */
  update(now: AgentNow): void {
    if (this.detail === undefined) return
    this.tick = now.tick
    const facts = this.panel.querySelector(".facts")
    if (facts) {
      facts.textContent = `group ${this.detail.group || "—"} · tick ${now.tick} · energy ${now.energy.toFixed(2)} · meme ${now.meme || "none"}`
    }
    this.panel.querySelector(".variants")?.replaceChildren(...this.variantItems(now))
    this.panel.querySelector(".plugin-state")?.replaceChildren(...now.pluginState.map(({ name, value }) => listItem(`${name}: ${value}`)))
    const list = this.panel.querySelector(".beliefs")
    if (list) {
      list.replaceChildren(
        ...this.info.beliefs.map((name, a) => {
          const li = document.createElement("li")
          const s = now.spins[a]
          li.className = s > 0 ? "pos" : s < 0 ? "neg" : "unknown"
          li.textContent = `${s > 0 ? "+" : s < 0 ? "−" : "?"} ${name}`
          return li
        })
      )
    }
    this.netGraph?.updateEachNodeAttributes(
      (key, a) => {
        const s = now.spins[Number(key)]
        a.color = s > 0 ? POSITIVE : s < 0 ? NEGATIVE : "#666"
        return a
      },
      { attributes: ["color"] }
    )
    this.trace?.redraw(false, false)
  }

  /** The dominant variant at the tick shown, then (live) every carried one when the agent was clicked. */
  private variantItems(now: AgentNow): HTMLLIElement[] {
    const line = (v: VariantLine) => `#${v.id} (${v.founder})${v.salience === undefined ? "" : ` · salience ${v.salience.toFixed(2)}`}` +
      (v.ancestry.length > 0 ? ` ← ${v.ancestry.map((p) => `#${p}`).join(" ← ")}` : " · founder")
    const carried = this.detail?.carried
    return [
      listItem(now.dominant ? `dominant at tick ${now.tick}: ${line(now.dominant)}` : `no variant at tick ${now.tick}`),
      ...(carried ? carried.variants.map((v) => listItem(`carried at tick ${carried.tick}: ${line(v)}`)) : [])
    ]
  }

  close(notify = true): void {
    this.net?.kill()
    this.trace?.destroy()
    this.net = undefined
    this.trace = undefined
    this.netGraph = undefined
    const wasOpen = this.detail !== undefined
    this.detail = undefined
    this.panel.hidden = true
    this.panel.replaceChildren()
    if (notify && wasOpen) this.onClose()
  }
}

const listItem = (text: string): HTMLLIElement => {
  const li = document.createElement("li")
  li.textContent = text
  return li
}
