// Rewrites the generated tables of docs/MODEL.md from the registries (run through `npm run docs:tables`).
import { readFileSync, writeFileSync } from "node:fs"
import { renderTables } from "../dist/io/docs-tables.js"

const file = new URL("../docs/MODEL.md", import.meta.url)
const before = readFileSync(file, "utf8")
const after = renderTables(before)
if (after !== before) writeFileSync(file, after)
console.log(after === before ? "docs/MODEL.md is up to date" : "docs/MODEL.md: tables regenerated")
