// Metrics over time beside the graph (uPlot): meme shares, mean energy, dissonance and frustration, attachment
// per group. Series are named from the scenario; a vertical line marks the tick the graph shows.
import uPlot from "uplot"
import "uplot/dist/uPlot.min.css"
import { GROUP_PALETTE, MEME_PALETTE } from "./colours"
import type { Info, Metrics } from "./data"

interface SeriesSpec {
  readonly column: string
  readonly label: string
  readonly colour: string
  /** a second y scale, drawn on the right, for a series of another magnitude */
  readonly right?: boolean
}

interface ChartSpec {
  readonly title: string
  readonly series: ReadonlyArray<SeriesSpec>
  readonly range?: readonly [number, number]
}

/** Which columns each chart draws; columns the run does not have are left out. */
export const chartSpecs = (info: Info, columns: ReadonlyArray<string>): ChartSpec[] => {
  const has = (c: string) => columns.includes(c)
  const specs: ChartSpec[] = [
    {
      title: "Meme shares (hosting agents)",
      series: info.memes.map((m, k) => ({ column: `share_${m}`, label: m, colour: MEME_PALETTE[k % MEME_PALETTE.length] })),
      range: [0, 1]
    },
    { title: "Mean energy", series: [{ column: "energy_mean", label: "energy", colour: "#ff9f43" }] },
    {
      title: "Dissonance and frustration",
      series: [
        { column: "dissonance_mean", label: "dissonance", colour: "#e05cd6" },
        { column: "frustration_mean", label: "frustration (right)", colour: "#35c2e8", right: true }
      ]
    },
    {
      title: "Attachment by group",
      series: info.groups.map((g, k) => ({ column: `attachment_${g}`, label: g, colour: GROUP_PALETTE[k % GROUP_PALETTE.length] }))
    }
  ]
  return specs.map((s) => ({ ...s, series: s.series.filter((x) => has(x.column)) })).filter((s) => s.series.length > 0)
}

const AXIS = { stroke: "#8b93a5", grid: { stroke: "rgba(255,255,255,0.06)", width: 1 }, ticks: { stroke: "rgba(255,255,255,0.1)", width: 1 } }

export class Charts {
  private readonly plots: Array<{ plot: uPlot; spec: ChartSpec }> = []
  private tick = 0

  constructor(
    private readonly container: HTMLElement,
    info: Info,
    metrics: Metrics
  ) {
    const width = Math.max(240, container.clientWidth - 8)
    for (const spec of chartSpecs(info, metrics.columns)) {
      const el = document.createElement("div")
      el.className = "chart"
      container.append(el)
      const cursorLine: uPlot.Plugin = {
        hooks: {
          draw: [
            (u) => {
              const x = u.valToPos(this.tick, "x", true)
              if (!Number.isFinite(x)) return
              const ctx = u.ctx
              ctx.save()
              ctx.strokeStyle = "rgba(255,255,255,0.55)"
              ctx.lineWidth = 1 * devicePixelRatio
              ctx.beginPath()
              ctx.moveTo(x, u.bbox.top)
              ctx.lineTo(x, u.bbox.top + u.bbox.height)
              ctx.stroke()
              ctx.restore()
            }
          ]
        }
      }
      const plot = new uPlot(
        {
          title: spec.title,
          width,
          height: 150,
          plugins: [cursorLine],
          scales: { x: { time: false }, y: spec.range ? { range: [spec.range[0], spec.range[1]] } : { auto: true }, right: { auto: true } },
          axes: [
            { ...AXIS, size: 28 },
            { ...AXIS, size: 44 },
            ...(spec.series.some((x) => x.right) ? [{ ...AXIS, scale: "right", side: 1, size: 40, grid: { show: false } }] : [])
          ],
          legend: { show: true, live: false },
          cursor: { drag: { x: false, y: false } },
          series: [{ label: "tick" }, ...spec.series.map((s) => ({ label: s.label, stroke: s.colour, width: 1.5, scale: s.right ? "right" : "y", points: { show: false } }))]
        },
        this.data(spec, metrics),
        el
      )
      this.plots.push({ plot, spec })
    }
  }

  private data(spec: ChartSpec, m: Metrics): uPlot.AlignedData {
    const t = m.columns.indexOf("tick")
    const cols = spec.series.map((s) => m.columns.indexOf(s.column))
    return [Float64Array.from(m.rows, (r) => r[t]), ...cols.map((c) => Float64Array.from(m.rows, (r) => r[c]))]
  }

  setMetrics(m: Metrics): void {
    for (const { plot, spec } of this.plots) plot.setData(this.data(spec, m))
  }

  setTick(tick: number): void {
    if (tick === this.tick) return
    this.tick = tick
    for (const { plot } of this.plots) plot.redraw(false, false)
  }

  resize(): void {
    const width = Math.max(240, this.container.clientWidth - 8)
    for (const { plot } of this.plots) plot.setSize({ width, height: 150 })
  }
}
