// The parallel stepper: N threads (this one and N-1 node:worker_threads) share the world's typed arrays
// through SharedArrayBuffers and run each phase of a tick on contiguous slices, meeting at an Atomics barrier.
// Every agent's update reads and writes the same values whichever thread runs it, so results are bit-identical
// for any number of threads.
import type { Worker } from "node:worker_threads"
import { Effect, type Scope } from "effect"
import { RunError } from "../errors.js"
import { measuredRow, Phase, runPhase, TickPlan, type PhaseKind, type Stepper } from "../model/engine.js"
import { alloc } from "../model/graph/topology.js"
import { SLOTS } from "../model/kernel.js"
import type { World } from "../model/world.js"
import { ATTACH, chunkSize, CONTROL, Ctl, EMPTY, MESSAGE_BYTES, type WorkerInit } from "./worker-loop.js"
import { startWorker } from "./worker-thread.js"

/** Below this many agents per thread a phase runs on this thread alone: a barrier would cost more than it saves. */
export const MIN_SLICE = 512

/** A worker died or threw: which one, at which tick, and why. */
export class WorkerError extends RunError {}

export class WorkerPool implements Stepper {
  readonly columns: ReadonlyArray<string>
  tick = 0
  /** allocated on the first measurement (a run that never measures never pays for it) */
  private perAgentBuffer: Float64Array | undefined
  private readonly plan: TickPlan
  private readonly control: Int32Array
  private readonly message: Uint8Array
  private readonly workers: Worker[] = []
  private failure: WorkerError | undefined

  private constructor(readonly world: World, readonly threads: number, private readonly minSlice: number) {
    this.plan = new TickPlan(world)
    this.columns = this.plan.columns
    this.control = alloc(Int32Array, CONTROL, true)
    this.message = alloc(Uint8Array, MESSAGE_BYTES, true)
  }

  /**
   * Starts `threads - 1` workers on a world built with shared memory; they stop when the scope closes.
   * A phase is split only when every thread gets at least `minSlice` agents.
   */
  static make(world: World, threads: number, minSlice = MIN_SLICE): Effect.Effect<WorkerPool, WorkerError, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.tryPromise({
        try: () => new WorkerPool(world, threads, minSlice).start(),
        catch: (e) => (e instanceof WorkerError ? e : new WorkerError({ message: `kiln: could not start workers: ${e}`, cause: e }))
      }),
      (pool) => Effect.promise(() => pool.close())
    )
  }

  private async start(): Promise<this> {
    if (!(this.world.state.spins.buffer instanceof SharedArrayBuffer)) {
      throw new WorkerError({ message: "kiln: the worker pool needs a world built with shared memory" })
    }
    const { constants, state, inputs, topology } = this.world
    for (let index = 1; index < this.threads; index++) {
      const init: WorkerInit = {
        data: { constants, state, inputs, topology, packed: this.plan.kernel.packed },
        // Workers import each plugin by URL and decode its options again: modules and closures do not cross threads.
        plugins: this.world.plugins.map((p) => ({ url: p.url, options: p.raw, state: p.state })),
        control: this.control,
        message: this.message,
        index,
        threads: this.threads
      }
      const worker = startWorker(import.meta.url, "worker", { workerData: init })
      worker.on("error", (e) => this.fail(index, `threw: ${e.message}`))
      worker.on("exit", (code) => {
        if (Atomics.load(this.control, Ctl.stop) === 0) this.fail(index, `exited with code ${code}`)
      })
      this.workers.push(worker)
    }
    const ready = Promise.all(
      this.workers.map((w) => new Promise<void>((ok, no) => {
        w.once("message", () => ok())
        w.once("error", no)
        w.once("exit", (code) => no(new WorkerError({ message: `kiln: a worker exited with code ${code} while starting` })))
      }))
    )
    try {
      await ready
    } catch (e) {
      await this.close()
      throw e
    }
    return this
  }

  private fail(index: number, what: string): void {
    this.failure ??= new WorkerError({ message: `kiln: worker ${index} ${what} at tick ${this.tick}` })
    // Wake a waiting barrier so that it sees the failure.
    Atomics.add(this.control, Ctl.done, this.threads)
    Atomics.notify(this.control, Ctl.done)
  }

  startAt(tick: number): void {
    this.tick = tick
  }

  async step(): Promise<void> {
    this.plan.begin(this.tick)
    for (const p of this.plan.phases) await this.run(p.kind, p.lo, p.hi)
    this.tick++
    this.plan.end(this.tick)
  }

  async measure(): Promise<number[]> {
    await this.run(Phase.measure, 0, this.world.constants.n)
    return measuredRow(this.world, this.tick, this.perAgent)
  }

  /** Per-agent metric values, shared with the workers: handed over with an `attach` phase on first use. */
  get perAgent(): Float64Array {
    if (this.perAgentBuffer === undefined) {
      const buffer = alloc(Float64Array, this.world.constants.n * SLOTS, true)
      for (const w of this.workers) w.postMessage(buffer)
      this.perAgentBuffer = buffer
      this.post(ATTACH, 0, 0)
      this.waitSync()
    }
    return this.perAgentBuffer
  }

  /** One phase over [lo, hi): shared out in chunks over the threads when every slice is worth it, else run here. */
  private async run(kind: PhaseKind, lo: number, hi: number): Promise<void> {
    if (this.failure) throw this.failure
    if (this.threads === 1 || hi - lo < this.minSlice * this.threads) {
      runPhase(this.plan.kernel, kind, lo, hi, kind === Phase.measure ? this.perAgent : EMPTY, this.plan.rules)
      return
    }
    const perAgent = kind === Phase.measure ? this.perAgent : undefined
    this.post(kind, lo, hi)
    const c = this.control
    const chunk = chunkSize(lo, hi, this.threads)
    for (let a = Atomics.add(c, Ctl.next, chunk); a < hi; a = Atomics.add(c, Ctl.next, chunk)) {
      runPhase(this.plan.kernel, kind, a, Math.min(hi, a + chunk), perAgent ?? EMPTY, this.plan.rules)
    }
    await this.barrier()
  }

  /** Tells the workers to run `kind` over their slices of [lo, hi). */
  private post(kind: number, lo: number, hi: number): void {
    const c = this.control
    c[Ctl.kind] = kind
    c[Ctl.lo] = lo
    c[Ctl.hi] = hi
    Atomics.store(c, Ctl.next, lo)
    Atomics.store(c, Ctl.done, 0)
    Atomics.add(c, Ctl.generation, 1)
    Atomics.notify(c, Ctl.generation)
  }

  /** A blocking barrier, for the short attach phase. */
  private waitSync(): void {
    for (;;) {
      const done = Atomics.load(this.control, Ctl.done)
      if (done >= this.threads - 1) return this.check()
      Atomics.wait(this.control, Ctl.done, done, 100)
    }
  }

  /** Waits until every worker has finished the phase: briefly blocking (cheap), then without blocking the event loop. */
  private async barrier(): Promise<void> {
    const c = this.control
    const others = this.threads - 1
    for (let spin = 0; spin < 4; spin++) {
      const done = Atomics.load(c, Ctl.done)
      if (done >= others) return this.check()
      Atomics.wait(c, Ctl.done, done, 1)
    }
    for (;;) {
      const done = Atomics.load(c, Ctl.done)
      if (done >= others) return this.check()
      // An interrupted run closes the pool while a barrier may still be waiting: stop waiting then.
      if (Atomics.load(c, Ctl.stop) === 1) throw new WorkerError({ message: "kiln: the worker pool was closed" })
      const w = Atomics.waitAsync(c, Ctl.done, done, 1000)
      if (w.async) await w.value
    }
  }

  private check(): void {
    if (this.failure) throw this.failure
    const who = Atomics.load(this.control, Ctl.failed)
    if (who > 0) {
      const text = new TextDecoder().decode(this.message.slice()).replace(/\0+$/, "")
      this.failure = new WorkerError({ message: `kiln: worker ${who} failed at tick ${this.tick}: ${text}` })
      throw this.failure
    }
  }

  /** Stops and terminates every worker; safe to call more than once. */
  async close(): Promise<void> {
    Atomics.store(this.control, Ctl.stop, 1)
    Atomics.add(this.control, Ctl.generation, 1)
    Atomics.notify(this.control, Ctl.generation)
    Atomics.notify(this.control, Ctl.done)
    await Promise.all(this.workers.map((w) => w.terminate()))
    this.workers.length = 0
  }
}
