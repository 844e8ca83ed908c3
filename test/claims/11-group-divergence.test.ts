// Claim 11: rituals make a group's beliefs converge inside it and diverge from other groups.
import { describe, expect, it } from "vitest"
import { groupSpread } from "./groups.js"
import { byCondition, report, runClaim, zAbove } from "./support.js"

describe("claim 11: convergence inside groups, divergence between them", async () => {
  const runs = await runClaim("11-group-divergence.json")
  const within = byCondition(runs, (r) => groupSpread(r.world).within)
  const between = byCondition(runs, (r) => groupSpread(r.world).between)
  report("claim 11", "within-group disagreement", within)
  report("claim 11", "between-group distance", between)

  it("rituals, with or without content, make beliefs converge inside each group (> 3 SE less disagreement)", () => {
    expect(zAbove(within.rituals, within["no-ritual"])).toBeGreaterThan(3)
    expect(zAbove(within["rituals-with-creeds"], within["no-ritual"])).toBeGreaterThan(3)
  })

  it("rituals with different creeds make groups diverge (> 3 SE more between-group distance)", () => {
    expect(zAbove(between["no-ritual"], between["rituals-with-creeds"])).toBeGreaterThan(3)
  })

  it("model as built: content-free rituals do not make groups diverge measurably (between-group distance within 3 SE of no rituals)", () => {
    expect(Math.abs(zAbove(between["no-ritual"], between.rituals))).toBeLessThan(3)
  })
})
