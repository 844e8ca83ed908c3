// The stepping loop. A tick, in this order:
//   1. timeline: active interventions set the inputs (main thread);
//   2. sweeps: the packed-belief mirror refreshed from the spins (kernel.ts `pack`), then for each sweep, colour classes in fixed order, each agent's beliefs in index order (heat bath);
//   3. host: every agent's hosted memes from its new beliefs;
//   4. settle: every agent's salience, prediction error, plasticity and energy.
//   5. plugin rules, in declaration order (src/model/plugin.ts);
//   6. evolutionary processes (src/model/evolution/), then plugin model steps (main thread).
// Phases 2–5 are calls over index ranges (`tickPhases`); `Engine` runs them on this thread and the
// worker pool (src/run/worker-pool.ts) splits the same phases over threads.
import { Kernel, MAX_PACKED_BELIEFS, SLOTS } from "./kernel.js"
import { alloc } from "./graph/topology.js"
import { metricColumns, reduce } from "./metrics.js"
import { bindRules, bindSteps, report, reporterColumns, type BoundRule } from "./plugin.js"
import { Timeline } from "./timeline.js"
import type { World } from "./world.js"

/**
 * Kernel entry points, by number so that threads can be told which to run through shared memory. Numbers from
 * `firstRule` on are plugin rules, by index in the world's rule list: the built-in kernel keeps its direct calls.
 */
export const Phase = { sweep: 0, sweepObserving: 1, host: 2, settle: 3, measure: 4, pack: 5, firstRule: 6 } as const
export type PhaseKind = number

/** One kernel call over [lo, hi): an index range into the colour order (sweeps) or into agents (the rest). */
export interface PhaseCall {
  readonly kind: PhaseKind
  readonly lo: number
  readonly hi: number
}

/** The kernel calls of one tick after the timeline, in order. */
export const tickPhases = (w: World): PhaseCall[] => {
  const calls: PhaseCall[] = []
  const cs = w.topology.classStart
  if (w.constants.B <= MAX_PACKED_BELIEFS) calls.push({ kind: Phase.pack, lo: 0, hi: w.constants.n })
  for (let sweep = 0; sweep < w.scenario.sweeps; sweep++) {
    const kind = sweep === 0 ? Phase.sweepObserving : Phase.sweep
    for (let k = 0; k + 1 < cs.length; k++) calls.push({ kind, lo: cs[k], hi: cs[k + 1] })
  }
  calls.push({ kind: Phase.host, lo: 0, hi: w.constants.n }, { kind: Phase.settle, lo: 0, hi: w.constants.n })
  let kind = Phase.firstRule
  for (const p of w.plugins) {
    for (const rule of p.plugin.rules ?? []) {
      if (rule.over === "agents") calls.push({ kind, lo: 0, hi: w.constants.n })
      else for (let k = 0; k + 1 < cs.length; k++) calls.push({ kind, lo: cs[k], hi: cs[k + 1] })
      kind++
    }
  }
  return calls
}

/** The measured row: the built-in metric families, then the plugins' reporters. */
export const measuredRow = (w: World, tick: number, perAgent: Float64Array): number[] => {
  for (const p of w.processes) p.record(tick)
  const row = reduce(w, tick, perAgent)
  if (w.plugins.length > 0) row.push(...report(w))
  return row
}

/** The metric columns of a world: built-in, then plugin reporters. */
export const worldColumns = (w: World): string[] => [...metricColumns(w), ...reporterColumns(w.plugins)]

const NO_RULES: ReadonlyArray<BoundRule> = []

/** Runs one kernel call, or plugin rule `kind - Phase.firstRule`. */
export const runPhase = (
  k: Kernel, kind: PhaseKind, lo: number, hi: number, perAgent: Float64Array, rules: ReadonlyArray<BoundRule> = NO_RULES
): void => {
  switch (kind) {
    case Phase.sweep:
      return k.sweep(lo, hi, false)
    case Phase.sweepObserving:
      return k.sweep(lo, hi, true)
    case Phase.host:
      return k.host(lo, hi)
    case Phase.settle:
      return k.settle(lo, hi)
    case Phase.measure:
      return k.measure(lo, hi, perAgent)
    case Phase.pack:
      return k.pack(lo, hi)
    default:
      return rules[kind - Phase.firstRule](lo, hi)
  }
}

/** Something that advances a world tick by tick and measures it: the in-process Engine or the worker pool. */
export interface Stepper {
  readonly world: World
  readonly columns: ReadonlyArray<string>
  /** per-agent metric values of the last measured tick */
  readonly perAgent: Float64Array
  readonly tick: number
  /** continues from `tick` ticks run (a checkpoint's), before the first step */
  startAt(tick: number): void
  step(): void | Promise<void>
  measure(): number[] | Promise<number[]>
}

const NO_METRICS = new Float64Array(0)

/**
 * What every stepper builds from a world, once: its metric columns, the kernel for this thread, the timeline, the
 * phases of a tick, and the plugins' rules and model steps.
 */
export class TickPlan {
  readonly columns: ReadonlyArray<string>
  readonly kernel: Kernel
  readonly phases: ReadonlyArray<PhaseCall>
  readonly rules: ReadonlyArray<BoundRule>
  private readonly timeline: Timeline
  private readonly processes: World["processes"]
  private readonly steps: ReadonlyArray<(tick: number) => void>

  constructor(world: World) {
    this.columns = worldColumns(world)
    // The packed-belief mirror, in shared memory when the world is (every thread's kernel reads and writes it).
    const packed = world.constants.B <= MAX_PACKED_BELIEFS
      ? alloc(Uint32Array, world.constants.n, world.state.spins.buffer instanceof SharedArrayBuffer)
      : undefined
    this.kernel = new Kernel({ ...world, packed })
    this.timeline = new Timeline(world)
    this.phases = tickPhases(world)
    this.rules = bindRules(world.plugins, world)
    this.steps = bindSteps(world)
    this.processes = world.processes
  }

  /** Before tick t's phases: the timeline sets the inputs (main thread). */
  begin(t: number): void {
    this.timeline.apply(t)
  }

  /** After the phases: evolutionary processes, then the plugins' model steps, with `ticks` ticks run (main thread). */
  end(ticks: number): void {
    for (const p of this.processes) p.afterTick(ticks)
    for (const step of this.steps) step(ticks)
  }
}

/** The in-process stepper: every phase on the calling thread. */
export class Engine implements Stepper {
  readonly columns: ReadonlyArray<string>
  readonly kernel: Kernel
  tick = 0
  private perAgentBuffer: Float64Array | undefined
  private readonly plan: TickPlan

  constructor(readonly world: World) {
    this.plan = new TickPlan(world)
    this.columns = this.plan.columns
    this.kernel = this.plan.kernel
  }

  startAt(tick: number): void {
    this.tick = tick
  }

  /** Advances one tick. */
  step(): void {
    const { plan } = this
    plan.begin(this.tick)
    for (const p of plan.phases) runPhase(this.kernel, p.kind, p.lo, p.hi, NO_METRICS, plan.rules)
    this.tick++
    plan.end(this.tick)
  }

  /** Per-agent metric values, allocated on the first measurement. */
  get perAgent(): Float64Array {
    this.perAgentBuffer ??= new Float64Array(this.world.constants.n * SLOTS)
    return this.perAgentBuffer
  }

  /** The metrics row of the current state. */
  measure(): number[] {
    this.kernel.measure(0, this.world.constants.n, this.perAgent)
    return measuredRow(this.world, this.tick, this.perAgent)
  }
}
