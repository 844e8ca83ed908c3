// The Muller panel beside the graph: for each drawn clade of meme variants, its band of the share of agents whose
// dominant variant is in it, over the recorded ticks, nested in its parent's band; a line marks the tick shown.
// Drawn on a 2D canvas: a layout changes once per run (playback) or per recorded tick (live), the marker per frame.
// Hovering names the clade under the pointer; a click asks for that tick.
import type { MullerLayout } from "../../src/experiment/muller"
import { BACKGROUND } from "./colours"

const HEIGHT = 150
const PAD = { left: 30, right: 6, top: 20, bottom: 18 }

export class MullerPanel {
  readonly element: HTMLElement
  private readonly canvas: HTMLCanvasElement
  private readonly caption: HTMLElement
  /** the bands without the tick marker, redrawn only when the layout or the size changes */
  private readonly bands: HTMLCanvasElement
  private layout: MullerLayout | undefined
  private tick = 0
  /** the ticks spanned by the x axis: the run's, not only those where something was carried */
  private range: readonly [number, number] = [0, 1]

  constructor(
    container: HTMLElement,
    private readonly founders: ReadonlyArray<string>,
    onPick: (tick: number) => void
  ) {
    this.element = document.createElement("div")
    this.element.id = "muller"
    this.element.className = "chart"
    const title = document.createElement("div")
    title.className = "title"
    title.textContent = "Meme lineages (share of agents)"
    title.title = "Each band: the agents whose dominant variant descends from that lineage; children nest in their parent's band"
    this.canvas = document.createElement("canvas")
    this.bands = document.createElement("canvas")
    this.caption = document.createElement("div")
    this.caption.className = "caption"
    this.caption.textContent = "hover: a clade · click: go to that tick"
    this.element.append(title, this.canvas, this.caption)
    container.prepend(this.element)
    this.canvas.onmousemove = (e) => (this.caption.textContent = this.describe(e.offsetX, e.offsetY))
    this.canvas.onclick = (e) => {
      const at = this.pointAt(e.offsetX, e.offsetY)
      if (at !== undefined) onPick(at.tick)
    }
    this.resize()
  }

  /** The recorded tick nearest a point in CSS pixels, and the share at its height; undefined off the plot. */
  private pointAt(px: number, py: number): { tick: number; j: number; share: number } | undefined {
    const m = this.layout
    if (m === undefined || m.ticks.length === 0) return undefined
    const s = this.scales()
    const x = px * devicePixelRatio
    const y = py * devicePixelRatio
    if (x < s.x0 || x > s.x1 || y < s.y1 || y > s.y0) return undefined
    const tick = s.t0 + ((x - s.x0) / (s.x1 - s.x0)) * (s.t1 - s.t0)
    const j = m.ticks.reduce((best, t, k) => (Math.abs(t - tick) < Math.abs(m.ticks[best] - tick) ? k : best), 0)
    return { tick: m.ticks[j], j, share: (y - s.y0) / (s.y1 - s.y0) }
  }

  /** What is under the pointer: the innermost clade (drawn last) whose band holds it at the nearest tick. */
  private describe(px: number, py: number): string {
    const at = this.pointAt(px, py)
    const m = this.layout
    if (at === undefined || m === undefined) return ""
    for (let k = m.clades.length - 1; k >= 0; k--) {
      if (m.lo[k][at.j] <= at.share && at.share <= m.hi[k][at.j]) {
        const c = m.clades[k]
        const share = m.hi[k][at.j] - m.lo[k][at.j]
        return `#${c.id} (${this.founders[c.root] ?? "?"}) · ${c.depth} mutations · ${(100 * share).toFixed(1)}% of agents at tick ${at.tick}`
      }
    }
    return `no variant · tick ${at.tick}`
  }

  setLayout(layout: MullerLayout | undefined, range: readonly [number, number]): void {
    this.layout = layout
    this.range = range
    this.drawBands()
    this.draw()
  }

  setTick(tick: number): void {
    if (tick === this.tick) return
    this.tick = tick
    this.draw()
  }

  resize(): void {
    const width = Math.max(240, (this.element.parentElement?.clientWidth ?? 320) - 8)
    for (const c of [this.canvas, this.bands]) {
      c.width = Math.round(width * devicePixelRatio)
      c.height = Math.round(HEIGHT * devicePixelRatio)
    }
    this.canvas.style.width = `${width}px`
    this.canvas.style.height = `${HEIGHT}px`
    this.drawBands()
    this.draw()
  }

  /** Pixel x of a tick and y of a share, in canvas pixels. */
  private scales() {
    const r = devicePixelRatio
    const [t0, end] = this.range
    const t1 = Math.max(t0 + 1, end)
    const x0 = PAD.left * r
    const x1 = this.canvas.width - PAD.right * r
    const y0 = this.canvas.height - PAD.bottom * r
    const y1 = PAD.top * r
    return { x: (t: number) => x0 + ((t - t0) / (t1 - t0)) * (x1 - x0), y: (v: number) => y0 + v * (y1 - y0), x0, x1, y0, y1, t0, t1 }
  }

  private drawBands(): void {
    const ctx = this.bands.getContext("2d")!
    ctx.fillStyle = BACKGROUND
    ctx.fillRect(0, 0, this.bands.width, this.bands.height)
    const m = this.layout
    const s = this.scales()
    this.axes(ctx, s)
    if (m === undefined || m.ticks.length === 0) return
    // Parents first: each child's band paints over the middle of its parent's.
    m.clades.forEach((c, k) => {
      ctx.fillStyle = c.colour
      ctx.beginPath()
      m.ticks.forEach((t, j) => (j === 0 ? ctx.moveTo(s.x(t), s.y(m.hi[k][j])) : ctx.lineTo(s.x(t), s.y(m.hi[k][j]))))
      for (let j = m.ticks.length - 1; j >= 0; j--) ctx.lineTo(s.x(m.ticks[j]), s.y(m.lo[k][j]))
      ctx.closePath()
      ctx.fill()
    })
  }

  private axes(ctx: CanvasRenderingContext2D, s: ReturnType<MullerPanel["scales"]>): void {
    const r = devicePixelRatio
    ctx.strokeStyle = "rgba(255,255,255,0.15)"
    ctx.lineWidth = r
    ctx.strokeRect(s.x0, s.y1, s.x1 - s.x0, s.y0 - s.y1)
    ctx.fillStyle = "#8b93a5"
    ctx.font = `${10 * r}px system-ui, sans-serif`
    ctx.textBaseline = "middle"
    ctx.textAlign = "right"
    for (const v of [0, 0.5, 1]) ctx.fillText(String(v), s.x0 - 4 * r, s.y(v))
    ctx.textBaseline = "top"
    ctx.textAlign = "left"
    ctx.fillText(String(s.t0), s.x0, s.y0 + 3 * r)
    ctx.textAlign = "right"
    ctx.fillText(String(s.t1), s.x1, s.y0 + 3 * r)
  }

  private draw(): void {
    const ctx = this.canvas.getContext("2d")!
    ctx.drawImage(this.bands, 0, 0)
    if (this.layout === undefined || this.layout.ticks.length === 0) return
    const s = this.scales()
    const x = s.x(Math.min(Math.max(this.tick, s.t0), s.t1))
    ctx.strokeStyle = "rgba(255,255,255,0.8)"
    ctx.lineWidth = devicePixelRatio
    ctx.beginPath()
    ctx.moveTo(x, s.y1)
    ctx.lineTo(x, s.y0)
    ctx.stroke()
  }
}
