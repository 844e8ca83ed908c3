// Server-Sent Events with conflation: each client gets the newest state; a slow one skips states, never queues them.
import type { ServerResponse } from "node:http"
import { Observable, type Subscription } from "rxjs"

/** The minimal part of a response the sink writes to (a ServerResponse qualifies; tests pass a fake). */
export interface SseTarget {
  write(chunk: string): boolean
  once(event: "drain", listener: () => void): unknown
}

/** One event in the SSE wire format; `data` is JSON. */
export const formatEvent = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`

/**
 * Keeps only the newest value while `ready` is false: when the consumer catches up it receives that newest
 * value, and every value in between is dropped. Completion waits for the last value to be taken.
 */
export const latestWhenReady =
  <A>(ready: () => boolean, readyAgain: (resume: () => void) => void) =>
  (source: Observable<A>): Observable<A> =>
    new Observable<A>((subscriber) => {
      let pending: { value: A } | undefined
      let waiting = false
      let completed = false
      const flush = () => {
        waiting = false
        if (pending !== undefined) {
          const { value } = pending
          pending = undefined
          emit(value)
        }
        if (!waiting && completed) subscriber.complete()
      }
      const emit = (value: A) => {
        subscriber.next(value)
        if (!ready()) {
          waiting = true
          readyAgain(flush)
        }
      }
      const sub = source.subscribe({
        next: (value) => (waiting ? (pending = { value }) : emit(value)),
        error: (e) => subscriber.error(e),
        complete: () => {
          completed = true
          if (!waiting) subscriber.complete()
        }
      })
      return () => sub.unsubscribe()
    })

/** Streams `events$` to `res` as SSE (event name and JSON data per value) with conflation on backpressure. */
export const streamEvents = (
  res: SseTarget,
  events$: Observable<{ readonly event: string; readonly data: unknown }>
): Subscription => {
  let writable = true
  return events$
    .pipe(
      latestWhenReady(
        () => writable,
        (resume) =>
          res.once("drain", () => {
            writable = true
            resume()
          })
      )
    )
    .subscribe((e) => {
      writable = res.write(formatEvent(e.event, e.data))
    })
}

/** Opens an SSE response: headers, a retry hint and a comment every 15 s so proxies keep the connection. */
export const openEventStream = (res: ServerResponse): (() => void) => {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no"
  })
  res.write("retry: 1000\n\n")
  const beat = setInterval(() => res.write(": keep-alive\n\n"), 15_000)
  return () => clearInterval(beat)
}
