// The stepping loop in one process. A tick, in this order:
//   1. timeline: active interventions set the inputs (main thread);
//   2. sweeps: for each sweep, colour classes in fixed order, each agent's beliefs in index order (heat bath);
//   3. host: every agent's hosted memes from its new beliefs;
//   4. settle: every agent's salience, prediction error, plasticity and energy.
// Phases 2–4 are kernel calls over index ranges; the worker scheduler splits the same calls over threads.
import { Kernel, SLOTS } from "./kernel.js"
import { metricColumns, reduce } from "./metrics.js"
import { Timeline } from "./timeline.js"
import type { World } from "./world.js"

export class Engine {
  readonly columns: ReadonlyArray<string>
  readonly kernel: Kernel
  private readonly timeline: Timeline
  /** per-agent metric values of the last measured tick */
  readonly perAgent: Float64Array
  tick = 0

  constructor(readonly world: World) {
    this.columns = metricColumns(world)
    this.kernel = new Kernel(world)
    this.timeline = new Timeline(world)
    this.perAgent = new Float64Array(world.constants.n * SLOTS)
  }

  /** Advances one tick. */
  step(): void {
    const { topology: t, constants: c, scenario: s } = this.world
    this.timeline.apply(this.tick)
    for (let sweep = 0; sweep < s.sweeps; sweep++) {
      for (let k = 0; k + 1 < t.classStart.length; k++) {
        this.kernel.sweep(t.classStart[k], t.classStart[k + 1], sweep === 0)
      }
    }
    this.kernel.host(0, c.n)
    this.kernel.settle(0, c.n)
    this.tick++
  }

  /** The metrics row of the current state. */
  measure(): number[] {
    this.kernel.measure(0, this.world.constants.n, this.perAgent)
    return reduce(this.world, this.tick, this.perAgent)
  }
}
