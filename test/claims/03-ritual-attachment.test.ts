// Claim 3: rituals build group attachment that persists after the rituals stop, if cooling is slow; sinks right
// after (social media) weaken it.
import { describe, expect, it } from "vitest"
import { averageOf, byCondition, finalOf, report, runClaim, zAbove } from "./support.js"

describe("claim 3: ritual attachment, slow cooling vs sinks", async () => {
  const runs = await runClaim("03-ritual-attachment.json")
  const final = byCondition(runs, finalOf("attachment_church"))
  const atStop = byCondition(runs, averageOf("attachment_church", 110, 110))

  it("attachment built by rituals persists 140 ticks after they stop (> 3 SE above no rituals, not below its level at the stop)", () => {
    report("claim 3", "attachment_church at tick 110", atStop)
    report("claim 3", "attachment_church at tick 250", final)
    expect(zAbove(final["no-ritual"], final["ritual-slow"])).toBeGreaterThan(3)
    expect(final["ritual-slow"].mean).toBeGreaterThanOrEqual(atStop["ritual-slow"].mean)
  })

  it("sinks right after the rituals leave weaker attachment than slow cooling (> 3 SE)", () => {
    expect(zAbove(final["ritual-sinks"], final["ritual-slow"])).toBeGreaterThan(3)
  })
})
