// The social graph in sigma 4: positions from the layout, colour and size from a NodeState and a colour mode.
// Per-tick updates touch only `color` and `size` (one updateEachNodeAttributes with hints: no re-indexing).
import type Graph from "graphology"
import Sigma from "sigma"
import { pathLine } from "sigma/rendering"
import { spin } from "../../src/io/frames-format"
import { baseSize, groupColour, memeColour, NEGATIVE, POSITIVE, ramp, sizeOf, stateColour, type ColourMode } from "./colours"
import type { Info, LoadedGraph, NodeState } from "./data"
import { EdgeLayer } from "./edge-layer"

export class GraphView {
  readonly renderer: Sigma
  readonly graph: Graph
  readonly edges: EdgeLayer
  mode: ColourMode = { kind: "meme" }
  energyRef = 1
  /** colours of lineage ids, for the lineage mode (set when the run's lineages are known) */
  lineageColour: (id: number) => string = () => memeColour(-1)
  private state: NodeState | undefined
  private readonly colours: string[]
  private readonly sizes: Float32Array
  private base: number
  private readonly keys: string[]
  private readonly groupOf: Int16Array
  private highlighted: string | undefined

  constructor(
    container: HTMLElement,
    loaded: LoadedGraph,
    readonly info: Info
  ) {
    const graph = loaded.graph
    this.graph = graph
    const n = graph.order
    this.colours = new Array<string>(n).fill(memeColour(-1))
    this.sizes = new Float32Array(n).fill(2)
    this.base = baseSize(n, container.clientWidth * container.clientHeight)
    this.keys = new Array<string>(n)
    this.groupOf = new Int16Array(n)
    graph.forEachNode((key, a) => {
      this.keys[a.i as number] = key
      this.groupOf[a.i as number] = a.g as number
    })
    this.renderer = new Sigma(graph, container, {
      // The graph holds no edges (see EdgeLayer); one plain path keeps sigma from building its loop programs.
      primitives: { edges: { paths: [pathLine()] } },
      styles: {
        // Only what is drawn: every rule is evaluated per node on each tick, so DEFAULT_STYLES (labels,
        // hover backdrops) would cost time for nothing.
        nodes: [
          {
            x: { attribute: "x" },
            y: { attribute: "y" },
            color: { attribute: "color", defaultValue: memeColour(-1) },
            size: { attribute: "size", defaultValue: 2 },
            labelVisibility: "hidden",
            depth: "nodes"
          },
          {
            whenState: "isHighlighted",
            then: { depth: "topNodes", backdropVisibility: "visible", backdropColor: "#ffffff", backdropPadding: 3, backdropShadowBlur: 14 }
          }
        ]
      },
      settings: {
        itemSizesReference: "screen",
        renderLabels: false,
        renderEdgeLabels: false,
        enableNodeDrag: false,
        // The picking pass redraws every node; at 1/4 resolution it costs a third less, and nodes of a
        // graph this large are clicked zoomed in anyway.
        pickingDownSizingRatio: n > 5000 ? 4 : 2,
        stagePadding: 16
      }
    })
    this.edges = new EdgeLayer(container, this.renderer, this.keys, loaded.source, loaded.target, n > 20000 ? 0.35 : 0.6)
  }

  private node(i: number, s: NodeState): void {
    const e = s.energy[i]
    this.sizes[i] = sizeOf(e, this.energyRef, this.base)
    const m = this.mode
    switch (m.kind) {
      case "meme":
        this.colours[i] = memeColour(s.meme[i])
        return
      case "lineage":
        this.colours[i] = this.lineageColour(s.lineage?.[i] ?? -1)
        return
      case "group":
        this.colours[i] = groupColour(this.groupOf[i])
        return
      case "energy":
        this.colours[i] = ramp(e, 0, this.energyRef)
        return
      case "attachment":
        this.colours[i] = ramp(s.attachment[i], -1, 1)
        return
      case "belief":
        this.colours[i] = s.beliefs === undefined ? memeColour(-1) : spin(s.beliefs, this.info.beliefs.length, i, m.index) > 0 ? POSITIVE : NEGATIVE
        return
      case "plugin": {
        const values = s.pluginState?.[m.index]
        this.colours[i] = values === undefined ? memeColour(-1) : stateColour(values[i], m.view.scale)
        return
      }
    }
  }

  keyOf(i: number): string {
    return this.keys[i]
  }

  /** Recolours and resizes every node from `s` (or the last state, after a mode change). */
  show(s: NodeState | undefined = this.state): void {
    if (s === undefined) return
    this.state = s
    const n = this.graph.order
    for (let i = 0; i < n; i++) this.node(i, s)
    const { colours, sizes } = this
    this.graph.updateEachNodeAttributes(
      (_key, a) => {
        const i = a.i as number
        a.color = colours[i]
        a.size = sizes[i]
        return a
      },
      { attributes: ["color", "size"] }
    )
  }

  setMode(mode: ColourMode): void {
    this.mode = mode
    this.show()
  }

  /** The colour currently given to node i (tests read it). */
  colourOf(i: number): string {
    return this.colours[i]
  }

  highlight(key: string | undefined): void {
    if (this.highlighted !== undefined) this.renderer.setNodeState(this.highlighted, { isHighlighted: false })
    this.highlighted = key
    if (key !== undefined) this.renderer.setNodeState(key, { isHighlighted: true })
  }

  /** Removes the renderer and its edge layer (the viewer of a large run swaps views). */
  dispose(): void {
    this.edges.dispose()
    this.renderer.kill()
  }

  /** Where node i is drawn, in CSS pixels relative to the graph container. */
  screenOf(i: number): { x: number; y: number } {
    const d = this.renderer.getNodeDisplayData(this.keyOf(i))!
    return this.renderer.framedGraphToViewport({ x: d.x, y: d.y })
  }
}
