// A plugin's `view`: which state arrays the viewer may colour agents by, and how; wrong declarations fail at
// definePlugin, naming the plugin and the key.
import { describe, expect, it } from "vitest"
import { definePlugin, viewedArrays, type PluginInstance } from "../../src/model/plugin.js"

const state = { opinion: "float64", status: "int8" } as const

describe("definePlugin's view", () => {
  it("accepts a colour scale or categories for its own state arrays, and defaults to none", () => {
    const p = definePlugin({ name: "sir", state, view: { opinion: { min: -1, max: 1 }, status: { categories: ["S", "I", "R"] } } })
    const instance: PluginInstance = { plugin: p, url: "inline:", raw: undefined, options: undefined, state: { opinion: new Float64Array(2), status: new Int8Array(2) } }
    expect(viewedArrays([instance]).map(({ plugin, array, scale }) => [plugin, array, scale])).toEqual([
      ["sir", "opinion", { min: -1, max: 1 }],
      ["sir", "status", { categories: ["S", "I", "R"] }]
    ])
    expect(viewedArrays([{ ...instance, plugin: definePlugin({ name: "plain", state }) }])).toEqual([])
  })

  it("refuses an array the plugin does not declare, naming the plugin and the key", () => {
    // @ts-expect-error: not a state array of the plugin
    expect(() => definePlugin({ name: "sir", state, view: { opnion: { min: 0, max: 1 } } })).toThrow(
      'definePlugin(sir): view "opnion" is not one of its state arrays (opinion, status)'
    )
    // (a plugin without state types `view` as {}, which TypeScript lets any object through: only this check catches it)
    expect(() => definePlugin({ name: "bare", view: { x: { min: 0, max: 1 } } })).toThrow(/definePlugin\(bare\): view "x" is not one of its state arrays \(it declares none\)/)
  })

  it.each([
    ["an empty range", { min: 1, max: 1 }],
    ["a missing max", { min: 0 }],
    ["infinite ends", { min: 0, max: Infinity }],
    ["no categories", { categories: [] }],
    ["categories that are not names", { categories: [1, 2] }],
    ["both kinds", { min: 0, max: 1, categories: ["a"] }]
  ])("refuses a scale with %s, naming the plugin and the key", (_, scale) => {
    expect(() => definePlugin({ name: "sir", state, view: { status: scale as never } })).toThrow(/definePlugin\(sir\): view "status" must be \{ min, max \}/)
  })

  it("refuses a view that is not an object of names", () => {
    expect(() => definePlugin({ name: "sir", state, view: "status" as never })).toThrow(/definePlugin\(sir\): view must be an object/)
  })
})
