// The tables in docs/MODEL.md are generated from the registries: this fails when they are out of date.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { renderTables } from "../../src/io/docs-tables.js"

const model = readFileSync(new URL("../../docs/MODEL.md", import.meta.url), "utf8")

describe("docs/MODEL.md", () => {
  it("has both generated regions", () => {
    expect(model).toContain("<!-- generated:interventions -->")
    expect(model).toContain("<!-- generated:metrics -->")
  })

  it("matches the intervention and metric registries (run `npm run docs:tables` to update it)", () => {
    expect(renderTables(model)).toBe(model)
  })

  it("names the file of an unknown region", () => {
    expect(() => renderTables("<!-- generated:nope -->\n<!-- /generated -->")).toThrow(/docs\/MODEL\.md: unknown generated region "nope"/)
  })
})
