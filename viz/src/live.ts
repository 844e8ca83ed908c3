// Live mode on the page: the server's SSE stream as an rxjs Observable, and a "latest only" fetch operator so
// a slow page renders the newest state and skips the ones it could not keep up with.
import { Observable } from "rxjs"

/** What the server sends after each recorded tick (src/serve/live.ts LiveState). */
export interface LiveState {
  readonly status: "running" | "writing" | "done" | "failed"
  readonly tick: number
  readonly ticks: number
  readonly metrics: Readonly<Record<string, number>>
  readonly dir?: string
  readonly error?: string
}

/** Server-Sent Events of one event name, JSON-decoded; completes after a "done" or "failed" state. */
export const liveStates = (url: string): Observable<LiveState> =>
  new Observable<LiveState>((subscriber) => {
    const source = new EventSource(url)
    source.addEventListener("state", (e) => {
      const s = JSON.parse((e as MessageEvent<string>).data) as LiveState
      subscriber.next(s)
      if (s.status === "done" || s.status === "failed") {
        source.close()
        subscriber.complete()
      }
    })
    source.onerror = () => {
      // EventSource reconnects by itself; give up only when it has closed for good.
      if (source.readyState === EventSource.CLOSED) subscriber.error(new Error("kiln viewer: the live stream closed"))
    }
    return () => source.close()
  })

/**
 * Maps each value through `project` one at a time; values arriving meanwhile are dropped except the newest,
 * which runs next. The last value is never lost.
 */
export const exhaustLatest =
  <A, B>(project: (a: A) => Promise<B>) =>
  (source: Observable<A>): Observable<B> =>
    new Observable<B>((subscriber) => {
      let busy = false
      let pending: { value: A } | undefined
      let completed = false
      const run = (value: A) => {
        busy = true
        project(value).then(
          (b) => {
            subscriber.next(b)
            busy = false
            if (pending !== undefined) {
              const next = pending.value
              pending = undefined
              run(next)
            } else if (completed) subscriber.complete()
          },
          (e) => subscriber.error(e)
        )
      }
      const sub = source.subscribe({
        next: (value) => (busy ? (pending = { value }) : run(value)),
        error: (e) => subscriber.error(e),
        complete: () => {
          completed = true
          if (!busy) subscriber.complete()
        }
      })
      return () => sub.unsubscribe()
    })

/** Resolves at the next animation frame: lets the page paint before taking the next state. */
export const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()))
