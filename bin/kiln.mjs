#!/usr/bin/env node
// Entry point of the `kiln` command: the compiled CLI (built by `npm run build`, which `npm install` runs).
import { existsSync } from "node:fs"

const main = new URL("../dist/cli/main.js", import.meta.url)
if (!existsSync(main)) {
  process.stderr.write("kiln: the compiled CLI is missing; run `npm run build` (npm install does it) first\n")
  process.exit(1)
}
await import(main.href)
