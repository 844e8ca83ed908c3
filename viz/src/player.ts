// Playback of recorded frames: play / pause / step / speed and a cursor, driven by rxjs animationFrames so
// that the frame shown follows wall time (a slow browser skips frames instead of slowing down).
import { animationFrames, type Subscription } from "rxjs"

export class Player {
  frame = 0
  playing = false
  /** recorded frames per second */
  speed = 10
  private sub: Subscription | undefined
  private carry = 0
  private last = 0

  constructor(
    public count: number,
    private readonly onFrame: (frame: number) => void,
    private readonly onState: () => void = () => {}
  ) {}

  seek(frame: number): void {
    const f = Math.max(0, Math.min(this.count - 1, Math.round(frame)))
    if (f === this.frame) return
    this.frame = f
    this.onFrame(f)
  }

  step(delta: number): void {
    this.pause()
    this.seek(this.frame + delta)
  }

  play(): void {
    if (this.playing || this.count < 2) return
    if (this.frame >= this.count - 1) this.seek(0)
    this.playing = true
    this.carry = 0
    this.last = performance.now()
    this.sub = animationFrames().subscribe(() => {
      const now = performance.now()
      this.carry += ((now - this.last) / 1000) * this.speed
      this.last = now
      const advance = Math.floor(this.carry)
      if (advance < 1) return
      this.carry -= advance
      const next = Math.min(this.count - 1, this.frame + advance)
      this.seek(next)
      if (next >= this.count - 1) this.pause()
    })
    this.onState()
  }

  pause(): void {
    if (!this.playing) return
    this.playing = false
    this.sub?.unsubscribe()
    this.sub = undefined
    this.onState()
  }

  toggle(): void {
    if (this.playing) this.pause()
    else this.play()
  }
}
