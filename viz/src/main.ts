// The Kiln viewer: a run's social graph coloured by node state, charts of its metrics, playback or live updates.
// Mode comes from the server (/api/info): "run" plays back a run directory, "live" follows a running simulation
// over SSE and switches to playback when the run is written.
import { animationFrames, share } from "rxjs"
import { lineageColour } from "../../src/experiment/muller"
import { frameAt, spin, type Frames, type StateView } from "../../src/io/frames-format"
import type { AggregateGraph } from "../../src/serve/info"
import { Charts } from "./charts"
import {
  categoryColour, GROUP_PALETTE, MEME_PALETTE, NEGATIVE, NO_MEME, POSITIVE, RAMP, modeKey, parseMode, stateKey, stateLabel
} from "./colours"
import {
  energyReference, exists, fetchFrames, fetchGraph, fetchJson, fetchMetrics, finalState, stateOf,
  type Info, type Metrics, type NodeState
} from "./data"
import { AggregateViewer, type AggregateHooks } from "./aggregate"
import { GraphView } from "./graph-view"
import { Inspector, type AgentDetail, type AgentNow, type VariantLine } from "./inspector"
import { Lineages } from "./lineages"
import { exhaustLatest, liveStates, nextFrame, type LiveState } from "./live"
import { MullerPanel } from "./muller-panel"
import { Player } from "./player"
import "./style.css"

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T

/** Test and benchmark hooks (read by test/viz and docs/VIEWER.md's measurement). */
interface Hooks {
  ready: boolean
  /** milliseconds since navigation at each loading step */
  timings: Record<string, number>
  error?: string
  mode?: "run" | "live"
  status: string
  tick: number
  frame: number
  frameCount: number
  liveStates: number
  liveFrames: number
  /** ticks of the live frames shown, in order */
  liveTicks: number[]
  /** the live run's pace last set from this page (ticks/s, 0: no limit) */
  liveRate?: number
  view?: GraphView
  player?: Player
  /** a large run shown as communities (info.view "aggregate") */
  aggregate?: AggregateHooks
  /** clades drawn in the Muller panel (0 without meme evolution) */
  mullerClades: () => number
  inspectorOpen: () => boolean
  inspectorNetwork: () => { nodes: number; edges: number; sizes: number[] } | undefined
  colourOf: (i: number) => string
  nodeScreen: (i: number) => { x: number; y: number }
  benchmark: (count?: number) => Promise<{ nodes: number; edges: number; updateMs: number; renderMs: number; frameMs: number }>
  playbackRate: (seconds?: number) => Promise<{ shown: number; msPerFrame: number }>
}

declare global {
  interface Window {
    kiln: Hooks
  }
}

const hooks: Hooks = (window.kiln = {
  ready: false,
  timings: {},
  status: "loading",
  tick: 0,
  frame: 0,
  frameCount: 0,
  liveStates: 0,
  liveFrames: 0,
  liveTicks: [],
  mullerClades: () => 0,
  inspectorOpen: () => false,
  inspectorNetwork: () => undefined,
  colourOf: () => "",
  nodeScreen: () => ({ x: 0, y: 0 }),
  benchmark: () => Promise.reject(new Error("not ready")),
  playbackRate: () => Promise.reject(new Error("not ready"))
})

const setStatus = (text: string) => {
  $("status").textContent = text
  hooks.status = text
}

const message = (text: string | undefined) => {
  const m = $("message")
  m.hidden = text === undefined
  m.textContent = text ?? ""
}

const main = async () => {
  const info = await fetchJson<Info>("api/info")
  hooks.mode = info.mode
  document.title = `Kiln · ${info.name}`
  $("name").textContent = info.name
  $("name").title = info.description
  const badge = $("mode")
  badge.textContent = info.mode === "live" ? "live" : "playback"
  badge.classList.toggle("live", info.mode === "live")
  message(info.mode === "live" ? `Laying out ${info.agents.toLocaleString()} agents…` : "Loading the run…")
  if (info.view === "aggregate") return aggregateMain(info)

  const loaded = await fetchGraph(info.mode === "live" ? "live/graph.json" : "run/graph.json", info)
  const graph = loaded.graph
  hooks.timings.graph = performance.now()
  message(undefined)
  const view = new GraphView($("graph"), loaded, info)
  hooks.timings.sigma = performance.now()
  hooks.view = view
  hooks.colourOf = (i) => view.colourOf(i)
  hooks.nodeScreen = (i) => {
    const p = view.screenOf(i)
    const r = $("graph").getBoundingClientRect()
    return { x: r.left + p.x, y: r.top + p.y }
  }

  let metrics: Metrics = info.mode === "live" ? await fetchJson<Metrics>("live/metrics.json") : await fetchMetrics("run/metrics.csv")
  const charts = new Charts($("charts"), info, metrics)
  hooks.timings.charts = performance.now()
  // With meme evolution: the Muller panel above the charts, filled from the frames' lineage ids.
  const muller = info.lineages ? new MullerPanel($("charts"), info.memes, (tick) => pickTick(tick)) : undefined
  let lineages: Lineages | undefined
  const setLineages = (l: Lineages, range: readonly [number, number]) => {
    lineages = l
    view.lineageColour = (id) => l.colourOf(id)
    muller?.setLayout(l.layout, range)
  }
  hooks.mullerClades = () => lineages?.layout?.clades.length ?? 0
  window.addEventListener("resize", () => {
    charts.resize()
    muller?.resize()
  })

  // What is on screen, and where detail for the inspector comes from.
  let shown: NodeState | undefined
  let frames: Frames | undefined
  let player: Player | undefined

  // Colour selector: the fixed modes plus one entry per belief (when frames carry beliefs), and one per plugin array
  // the frames carry, added when the first frames arrive (they declare them).
  const select = $<HTMLSelectElement>("colour-by")
  if (info.lineages) select.add(new Option("lineage", "lineage"), 1)
  for (const [a, name] of info.beliefs.entries()) select.add(new Option(`belief: ${name}`, `belief:${a}`))
  let pluginViews: ReadonlyArray<StateView> = []
  const offerPluginModes = (f: Frames) => {
    if (pluginViews.length > 0 || f.pluginState.length === 0) return
    pluginViews = f.pluginState.map(({ plugin, array, scale }) => ({ plugin, array, scale }))
    for (const v of pluginViews) select.add(new Option(stateKey(v), stateKey(v)))
  }
  select.onchange = () => {
    view.setMode(parseMode(select.value, pluginViews))
    legend()
  }
  const legend = () => {
    const el = $("legend")
    const item = (colour: string, label: string) =>
      `<div class="item"><span class="swatch" style="background:${colour}"></span>${escape(label)}</div>`
    const gradient = (lo: string, hi: string, title: string) =>
      `<div>${escape(title)}</div><div class="ramp" style="background:linear-gradient(90deg,${RAMP.join(",")})"></div>` +
      `<div class="ends"><span>${lo}</span><span>${hi}</span></div>`
    const m = view.mode
    el.innerHTML =
      m.kind === "meme"
        ? info.memes.map((name, k) => item(MEME_PALETTE[k % MEME_PALETTE.length], name)).join("") + item(NO_MEME, "no meme")
        : m.kind === "lineage"
          ? info.memes.map((name, k) => item(lineageColour(k, 0, k), `${name} and its variants`)).join("") +
            `<div class="ends">lighter or darker: deeper descendants</div>` + item(NO_MEME, "no variant")
        : m.kind === "group"
          ? info.groups.map((name, k) => item(GROUP_PALETTE[k % GROUP_PALETTE.length], name)).join("")
          : m.kind === "energy"
            ? gradient("0", view.energyRef.toFixed(1), "energy (size too)")
            : m.kind === "attachment"
              ? gradient("−1", "+1", "attachment to own group")
              : m.kind === "plugin"
                ? pluginLegend(m.view, item, gradient)
                : item(POSITIVE, `+ ${info.beliefs[m.index]}`) + item(NEGATIVE, `− ${info.beliefs[m.index]}`)
  }
  legend()

  const show = (s: NodeState) => {
    shown = s
    view.show(s)
    charts.setTick(s.tick)
    muller?.setTick(s.tick)
    hooks.tick = s.tick
    $("tick").textContent = `tick ${s.tick} / ${info.ticks}`
    if (inspector.isOpen) inspector.update(agentNow(inspector.detail!.index))
  }

  // Inspector: click a node.
  const agentNow = (i: number): AgentNow => {
    const s = shown
    const B = info.beliefs.length
    return {
      tick: s?.tick ?? 0,
      energy: s?.energy[i] ?? 0,
      meme: s !== undefined && s.meme[i] >= 0 ? info.memes[s.meme[i]] : "",
      spins: s?.beliefs !== undefined ? info.beliefs.map((_, a) => spin(s.beliefs!, B, i, a)) : [],
      dominant: s?.lineage !== undefined && s.lineage[i] >= 0 ? variantLine(s.lineage[i]) : undefined,
      pluginState: pluginViews.map((v, k) => {
        const values = s?.pluginState?.[k]
        return { name: stateKey(v), value: values === undefined ? "?" : stateLabel(values[i], v.scale) }
      })
    }
  }
  const variantLine = (id: number): VariantLine => ({ id, founder: info.memes[lineages?.founderOf(id) ?? -1] ?? "?", ancestry: lineages?.ancestry(id) ?? [] })
  const inspector = new Inspector($("inspector"), info, () => view.highlight(undefined))
  hooks.inspectorOpen = () => inspector.isOpen
  hooks.inspectorNetwork = () => {
    const net = inspector.network
    if (net === undefined) return undefined
    const g = net.getGraph()
    return { nodes: g.order, edges: g.size, sizes: g.mapNodes((k) => net.getNodeDisplayData(k)?.size ?? -1) }
  }
  const detailFromFrames = (key: string, i: number, f: Frames): AgentDetail => {
    const P = f.P
    return {
      key,
      index: i,
      group: String(graph.getNodeAttribute(key, "group") ?? ""),
      ticks: f.ticks,
      energy: Float32Array.from({ length: f.count }, (_, k) => f.energy(k)[i]),
      couplings: f.couplings?.subarray(i * P, (i + 1) * P),
      couplingsNote: `(end of run, tick ${f.ticks[f.count - 1]})`
    }
  }
  const inspect = async (key: string) => {
    const i = graph.getNodeAttribute(key, "i") as number
    view.highlight(key)
    let detail: AgentDetail
    if (frames !== undefined) detail = detailFromFrames(key, i, frames)
    else if (info.mode === "live") {
      const a = await fetchJson<{
        tick: number; ticks: number[]; energy: number[]; couplings: number[]
        variants?: Array<{ id: number; salience: number; root: number; ancestry: number[] }>
      }>(`live/agent/${i}`)
      detail = { key, index: i, group: String(graph.getNodeAttribute(key, "group") ?? ""), ticks: a.ticks, energy: a.energy,
        couplings: a.couplings, couplingsNote: `(live, tick ${a.tick})`,
        ...(a.variants ? { carried: { tick: a.tick, variants: a.variants.map((v) => ({ id: v.id, salience: v.salience, founder: info.memes[v.root] ?? "?", ancestry: v.ancestry })) } } : {}) }
    } else {
      detail = { key, index: i, group: String(graph.getNodeAttribute(key, "group") ?? ""), ticks: [], energy: [], couplings: undefined,
        couplingsNote: "(run has no frames.bin)" }
    }
    inspector.open(detail, agentNow(i))
  }
  view.renderer.on("clickNode", ({ node }) => void inspect(node))
  document.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return
    if (e.key === "Escape") inspector.close()
    if (player === undefined) return
    if (e.key === " ") {
      e.preventDefault()
      player.toggle()
    } else if (e.key === "ArrowRight") player.step(1)
    else if (e.key === "ArrowLeft") player.step(-1)
    else if (e.key === "Home") player.step(-player.count)
  })

  /** Shows the recorded tick `tick` (playback only: live, the run decides what is shown). */
  const pickTick = (tick: number) => {
    if (player === undefined || frames === undefined) return
    player.pause()
    player.seek(frameAt(frames.ticks, tick))
  }

  // Playback controls.
  const controls = ["first", "back", "play", "forward", "speed", "scrubber"].map((id) => $<HTMLButtonElement | HTMLInputElement>(id))
  const enableControls = (on: boolean) => controls.forEach((c) => (c.disabled = !on))
  const scrubber = $<HTMLInputElement>("scrubber")
  const playButton = $("play")
  const speed = $<HTMLSelectElement>("speed")

  const startPlayback = (f: Frames | undefined, at: "start" | "end") => {
    frames = f
    if (f === undefined) {
      const s = finalState(graph, info, info.ticks)
      view.energyRef = energyReference(s.energy)
      show(s)
      enableControls(false)
      setStatus("final state only: this run has no frames.bin (run it with --frames for playback)")
      hooks.frameCount = 1
      return
    }
    const sample = new Float32Array(Math.min(f.count, 40) * f.n)
    for (let k = 0; k < Math.min(f.count, 40); k++) sample.set(f.energy(Math.floor((k * f.count) / Math.min(f.count, 40))), k * f.n)
    view.energyRef = energyReference(sample)
    if (f.lineages !== undefined) {
      setLineages(Lineages.fromFrames(f), [f.ticks[0], f.ticks[f.count - 1]])
      hooks.timings.lineages = performance.now()
    }
    offerPluginModes(f)
    legend()
    hooks.frameCount = f.count
    const p = new Player(
      f.count,
      (k) => {
        hooks.frame = k
        scrubber.value = String(k)
        show(stateOf(f, k))
      },
      () => (playButton.textContent = p.playing ? "⏸" : "▶︎")
    )
    player = p
    hooks.player = p
    p.speed = Number(speed.value)
    scrubber.max = String(f.count - 1)
    enableControls(f.count > 1)
    $("first").onclick = () => p.step(-f.count)
    $("back").onclick = () => p.step(-1)
    $("forward").onclick = () => p.step(1)
    playButton.onclick = () => p.toggle()
    speed.onchange = () => (p.speed = Number(speed.value))
    scrubber.oninput = () => {
      p.pause()
      p.seek(Number(scrubber.value))
    }
    const start = at === "end" ? f.count - 1 : 0
    p.frame = start
    hooks.frame = start
    scrubber.value = String(start)
    show(stateOf(f, start))
    setStatus(`${f.count} recorded ticks · ${info.agents.toLocaleString()} agents`)
  }

  // Live, the speed selector paces the server's run; its "max" entry means no limit.
  const paceLive = () => {
    const rate = info.rate ?? 0
    const value = String(rate === 0 ? 1000 : rate)
    if (![...speed.options].some((o) => o.value === value)) speed.add(new Option(`${rate} ticks/s`, value))
    speed.value = value
    speed.disabled = false
    speed.onchange = () => {
      const wanted = Number(speed.value) >= 1000 ? 0 : Number(speed.value)
      void post(`live/speed?rate=${wanted}`).then(
        () => (hooks.liveRate = wanted),
        (e) => setStatus(String(e))
      )
    }
  }
  const offerRestart = () => {
    const button = $<HTMLButtonElement>("restart")
    button.hidden = false
    button.onclick = () => {
      button.disabled = true
      // The server starts the run over; the page reloads to follow it live from tick 0.
      void post("live/restart").then(
        () => location.reload(),
        (e) => setStatus(String(e))
      )
    }
  }

  const live = () => {
    enableControls(false)
    paceLive()
    setStatus("waiting for the first tick…")
    const states$ = liveStates("live").pipe(share())
    let lastTick = metrics.rows.length > 0 ? metrics.rows[metrics.rows.length - 1][0] : -1
    let refetching = false
    states$.subscribe({
      next: (s: LiveState) => {
        hooks.liveStates++
        if (s.status === "running" || s.status === "writing") setStatus(`${s.status === "writing" ? "writing outputs" : "running"} · tick ${s.tick} / ${s.ticks}`)
        if (s.tick > lastTick && Object.keys(s.metrics).length > 0) {
          const skipped = metrics.rows.length >= 2 && s.tick - lastTick > metrics.rows[1][0] - metrics.rows[0][0]
          lastTick = s.tick
          metrics.rows.push(metrics.columns.map((c) => s.metrics[c] ?? Number.NaN))
          if (skipped && !refetching) {
            // This page fell behind and the server skipped states: take the full history once.
            refetching = true
            void fetchJson<Metrics>("live/metrics.json").then((m) => {
              metrics = m
              charts.setMetrics(metrics)
              refetching = false
            })
          }
          charts.setMetrics(metrics)
        }
        if (s.status === "failed") setStatus(`the run failed: ${s.error ?? "unknown error"}`)
      },
      error: (e) => setStatus(String(e))
    })
    let ref = 0
    states$
      .pipe(
        exhaustLatest(async (state: LiveState) => {
          // Before the first recorded tick there is no frame to fetch yet.
          if (Object.keys(state.metrics).length === 0) return undefined
          const f = await fetchFrames("live/frame.bin")
          offerPluginModes(f)
          if (f.lineages !== undefined) {
            const l = lineages ?? new Lineages(f.n)
            l.addSnapshot(f)
            setLineages(l, [0, info.ticks])
          }
          const s = stateOf(f, 0)
          ref = Math.max(ref, energyReference(s.energy))
          if (ref > view.energyRef * 1.1 || view.energyRef === 1) view.energyRef = ref
          show(s)
          hooks.liveFrames++
          hooks.liveTicks.push(s.tick)
          await nextFrame()
          return s
        })
      )
      .subscribe({
        complete: () => {
          const done = hooks.liveStates > 0
          if (!done) return
          // The run is written: reload its outputs and hand over to playback.
          void (async () => {
            if (!(await exists("run/frames.bin"))) return
            const [f, m] = await Promise.all([fetchFrames("run/frames.bin"), fetchMetrics("run/metrics.csv")])
            metrics = m
            charts.setMetrics(m)
            $("mode").textContent = "playback"
            $("mode").classList.remove("live")
            startPlayback(f, "end")
            offerRestart()
            setStatus(`run finished · ${f.count} recorded ticks · press play to replay, or restart to run it live again`)
          })()
        },
        error: (e) => setStatus(String(e))
      })
  }

  // Benchmarks: per-frame cost of recolouring + resizing every node and drawing (GPU flushed by a pixel read).
  hooks.benchmark = async (count = 30) => {
    const states: NodeState[] = []
    if (frames !== undefined) for (let k = 0; k < Math.min(frames.count, 8); k++) states.push(stateOf(frames, Math.floor((k * frames.count) / 8)))
    if (states.length < 2 && shown !== undefined) {
      const n = graph.order
      for (let k = 0; k < 4; k++) {
        const meme = Int8Array.from({ length: n }, () => Math.floor(Math.random() * (info.memes.length + 1)) - 1)
        states.push({ ...shown, meme, energy: Float32Array.from(shown.energy, (e) => e * (0.5 + Math.random())) })
      }
    }
    const gl = view.renderer.getWebGLContext()
    const px = new Uint8Array(4)
    const draw = () => {
      view.renderer.refresh({ partialGraph: { nodes: [] }, skipIndexation: true })
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px)
    }
    draw()
    let update = 0
    let render = 0
    for (let k = 0; k < count; k++) {
      const t0 = performance.now()
      view.show(states[k % states.length])
      const t1 = performance.now()
      draw()
      render += performance.now() - t1
      update += t1 - t0
    }
    await nextFrame()
    return { nodes: graph.order, edges: loaded.source.length, updateMs: update / count, renderMs: render / count, frameMs: (update + render) / count }
  }
  hooks.playbackRate = async (seconds = 3) => {
    const p = player
    if (p === undefined || p.count < 2) throw new Error("no playback")
    p.pause()
    // One new frame per animation frame, looping: how many frames per second the page really shows.
    let count = 0
    const sub = animationFrames().subscribe(() => {
      p.seek((p.frame + 1) % p.count)
      count++
    })
    await new Promise((r) => setTimeout(r, seconds * 1000))
    sub.unsubscribe()
    return { shown: count, msPerFrame: (seconds * 1000) / Math.max(1, count) }
  }

  if (info.mode === "live") live()
  else startPlayback((await exists("run/frames.bin")) ? await fetchFrames("run/frames.bin") : undefined, "start")
  select.value = modeKey(view.mode)
  hooks.timings.ready = performance.now()
  hooks.ready = true
}

/** A large run: its communities, their charts, drill-down into one (aggregate.ts); no playback. */
const aggregateMain = async (info: Info) => {
  const graph = await fetchJson<AggregateGraph>("api/aggregate")
  hooks.timings.graph = performance.now()
  message(undefined)
  const aggregate: AggregateHooks = { communities: 0, communityScreen: () => ({ x: 0, y: 0 }) }
  hooks.aggregate = aggregate
  new AggregateViewer(
    { info, container: $("graph"), inspector: $("inspector"), legend: $("legend"), select: $<HTMLSelectElement>("colour-by"), setStatus, message, hooks: aggregate },
    graph
  )
  hooks.timings.sigma = performance.now()
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
  hooks.timings.firstPaint = performance.now()
  for (const id of ["first", "back", "play", "forward", "speed", "scrubber"]) ($(id) as HTMLButtonElement).disabled = true
  $("tick").textContent = `end of run · tick ${info.ticks}`
  const metrics = await fetchMetrics("run/metrics.csv")
  const charts = new Charts($("charts"), info, metrics)
  charts.setTick(info.ticks)
  window.addEventListener("resize", () => charts.resize())
  hooks.timings.charts = performance.now()
  hooks.timings.ready = performance.now()
  hooks.ready = true
}

/** A POST to the server; fails with the server's own message. */
const post = async (url: string): Promise<unknown> => {
  const res = await fetch(url, { method: "POST" })
  if (!res.ok) throw new Error(`kiln viewer: ${url}: ${(await res.text()).trim()}`)
  return res.json()
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** A plugin array's legend: its categories' colours (and grey for any other value), or the ramp over its range. */
const pluginLegend = (
  v: StateView, item: (colour: string, label: string) => string, gradient: (lo: string, hi: string, title: string) => string
): string => {
  const scale = v.scale
  if (!("categories" in scale)) return gradient(String(scale.min), String(scale.max), stateKey(v))
  const n = scale.categories.length
  return `<div>${escape(stateKey(v))}</div>` + scale.categories.map((name, k) => item(categoryColour(k, n), name)).join("") + item(NO_MEME, "other")
}

main().catch((e: unknown) => {
  hooks.error = String(e)
  message(`Could not load: ${String(e)}`)
  setStatus("error")
  console.error(e)
})

