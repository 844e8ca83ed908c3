// Progress on long runs: a redrawn bar with ticks/s and ETA on a terminal, a plain line every 10% otherwise.

export interface Progress {
  readonly update: (done: number, total: number) => void
  readonly finish: () => void
}

export const progressBar = (label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress => {
  const started = Date.now()
  let lastDraw = 0
  let lastDecile = -1
  const tty = stream.isTTY === true && process.env.CI !== "true"
  const line = (done: number, total: number) => {
    const secs = (Date.now() - started) / 1000
    const rate = secs > 0 ? done / secs : 0
    const eta = rate > 0 ? (total - done) / rate : 0
    const pct = total > 0 ? done / total : 1
    const width = 24
    const bar = "█".repeat(Math.round(pct * width)).padEnd(width, "·")
    return `${label} ${bar} ${done}/${total} ${rate.toFixed(1)}/s ETA ${formatSeconds(eta)}`
  }
  return {
    update: (done, total) => {
      if (quiet) return
      if (tty) {
        const now = Date.now()
        if (now - lastDraw < 100 && done < total) return
        lastDraw = now
        stream.write(`\r${line(done, total)}\x1b[K`)
      } else {
        const decile = Math.floor((10 * done) / Math.max(1, total))
        if (decile === lastDecile) return
        lastDecile = decile
        stream.write(line(done, total) + "\n")
      }
    },
    finish: () => {
      if (!quiet && tty) stream.write("\n")
    }
  }
}

const formatSeconds = (s: number): string => {
  if (!Number.isFinite(s)) return "?"
  if (s < 60) return `${s.toFixed(0)}s`
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`
}
