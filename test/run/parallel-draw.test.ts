// The initial state drawn on several threads is the initial state drawn on one, byte for byte.
import { describe, expect, it } from "vitest"
import { loadScenario } from "../../src/scenario/load.js"
import { prepareWorld } from "../../src/run/simulation.js"
import { drawerFor } from "../../src/run/parallel-draw.js"
import { decodeScenario } from "../../src/scenario/load.js"
import type { World } from "../../src/model/world.js"

const arrays = (w: World) =>
  Object.entries(w.state).map(([name, a]) => [name, Buffer.from((a as Uint8Array).buffer, (a as Uint8Array).byteOffset, (a as Uint8Array).byteLength).toString("base64")])

const cases: Array<[string, () => ReturnType<typeof loadScenario>]> = [
  ["scenarios/default.json", () => loadScenario("scenarios/default.json")],
  ["scenarios/cooling.json", () => loadScenario("scenarios/cooling.json")],
  ["individual dispositions, initial energy, factual beliefs", () => decodeScenario({
    name: "draws", seed: 5, graph: { kind: "wattsStrogatz", n: 3001, k: 4, beta: 0.1 },
    beliefs: [{ name: "a", init: 0.4, h: 0.2 }, { name: "b" }, { name: "f", kind: "factual", truth: 1 }],
    prior: { sd: 0.4, noise: 0.2, hNoise: 0.3 }, energy: { initial: 2.5 }
  })]
]

describe("drawing the initial state on threads", () => {
  for (const [name, scenario] of cases) {
    it(`${name}: 2 and 3 threads give the state one thread gives`, () => {
      const s = scenario()
      const one = arrays(prepareWorld(s, "x", undefined, true))
      for (const threads of [2, 3]) expect(arrays(prepareWorld(s, "x", undefined, true, [], drawerFor(threads, 1)))).toEqual(one)
    })
  }
})
