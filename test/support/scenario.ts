// Test helpers: build scenarios from partial JSON and run them in process.
import { decodeScenario } from "../../src/scenario/load.js"
import type { Scenario } from "../../src/scenario/schema.js"
import { Engine } from "../../src/model/engine.js"
import { prepareWorld } from "../../src/run/simulation.js"

/** Decodes a scenario from JSON, with a name and a graph filled in when absent. */
export const scenario = (json: Record<string, unknown>): Scenario =>
  decodeScenario({ name: "test", graph: { kind: "complete", n: 1 }, ...json })

export const engineFor = (json: Record<string, unknown>): Engine => new Engine(prepareWorld(scenario(json)))

export const mean = (xs: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]
  return s / xs.length
}

/** Standard error of the mean of independent samples. */
export const standardError = (xs: ArrayLike<number>): number => {
  const m = mean(xs)
  let v = 0
  for (let i = 0; i < xs.length; i++) v += (xs[i] - m) ** 2
  return Math.sqrt(v / (xs.length - 1) / xs.length)
}
