// Edges as a static backdrop: drawn on a 2D canvas under sigma's WebGL nodes, once per camera change or resize.
// Per-tick updates change only nodes, and in a software-rendered browser drawing every edge each frame costs
// ~20 ms per 1,000 edges (sigma's edge program with node-shape clipping), so edges stay out of the tick path.
// The context is CPU-backed (willReadFrequently): lines are rasterised once, not re-tessellated by the GPU
// process on every composite.
import type Sigma from "sigma"
import { EDGE } from "./colours"

export class EdgeLayer {
  readonly canvas: HTMLCanvasElement
  private pending = 0
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private lastCost = 0
  private readonly xs: Float32Array
  private readonly ys: Float32Array

  constructor(
    host: HTMLElement,
    private readonly renderer: Sigma,
    private readonly keys: ReadonlyArray<string>,
    private readonly source: Int32Array,
    private readonly target: Int32Array,
    private readonly width = 0.6
  ) {
    this.canvas = document.createElement("canvas")
    this.canvas.className = "edges"
    host.prepend(this.canvas)
    this.xs = new Float32Array(keys.length)
    this.ys = new Float32Array(keys.length)
    // Cheap redraws follow the camera frame by frame; expensive ones wait until it rests.
    renderer.getCamera().on("updated", () => this.schedule())
    renderer.on("resize", () => this.schedule())
    this.schedule()
  }

  private schedule(): void {
    if (this.pending < 0) return
    if (this.lastCost < 25) {
      if (this.pending === 0) this.pending = requestAnimationFrame(() => this.draw())
      return
    }
    this.clear()
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => this.draw(), 150)
  }

  /** Stops drawing and removes the canvas (the renderer is being replaced). */
  dispose(): void {
    cancelAnimationFrame(this.pending)
    clearTimeout(this.idleTimer)
    this.pending = -1
    this.canvas.remove()
  }

  private clear(): void {
    this.canvas.getContext("2d", { willReadFrequently: true })?.clearRect(0, 0, this.canvas.width, this.canvas.height)
  }

  draw(): void {
    if (this.pending < 0) return
    this.pending = 0
    const t0 = performance.now()
    const { width, height } = this.renderer.getDimensions()
    const dpr = window.devicePixelRatio || 1
    const c = this.canvas
    if (c.width !== Math.round(width * dpr) || c.height !== Math.round(height * dpr)) {
      c.width = Math.round(width * dpr)
      c.height = Math.round(height * dpr)
      c.style.width = `${width}px`
      c.style.height = `${height}px`
    }
    const ctx = c.getContext("2d", { willReadFrequently: true })!
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.clearRect(0, 0, width, height)
    for (let i = 0; i < this.keys.length; i++) {
      const d = this.renderer.getNodeDisplayData(this.keys[i])
      if (d === undefined) continue
      const p = this.renderer.framedGraphToViewport(d)
      this.xs[i] = p.x
      this.ys[i] = p.y
    }
    ctx.strokeStyle = EDGE
    ctx.lineWidth = this.width
    // Several strokes rather than one, so that overlapping edges add up and dense regions read as denser.
    const batch = 400
    for (let e0 = 0; e0 < this.source.length; e0 += batch) {
      ctx.beginPath()
      for (let e = e0; e < Math.min(e0 + batch, this.source.length); e++) {
        ctx.moveTo(this.xs[this.source[e]], this.ys[this.source[e]])
        ctx.lineTo(this.xs[this.target[e]], this.ys[this.target[e]])
      }
      ctx.stroke()
    }
    this.lastCost = performance.now() - t0
  }
}
