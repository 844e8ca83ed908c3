// The README's API example is executed, so it cannot rot.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")

describe("README", () => {
  it("the API example runs and prints what it promises", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8")
    const api = readme.slice(readme.indexOf("## API"))
    const code = /```ts\n([\s\S]*?)```/.exec(api)![1].replace(/from "kiln"/g, `from ${JSON.stringify(join(root, "src/index.ts"))}`)
    const file = join(mkdtempSync(join(root, "node_modules/.kiln-readme-")), "example.mts")
    writeFileSync(file, code)
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8" })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^0: 0\.\d{3}, 25: 0\.\d{3}, 50: 0\.\d{3}, 75: 0\.\d{3}, 100: 0\.\d{3}$/m)
    expect(r.stdout).toContain("500 agents, beliefs: b1 b2 b3 b4 b5 b6 b7 b8")
    expect(r.stdout).toMatch(/^tick 0: energy 0\.200$/m)
    expect(r.stdout).toMatch(/^tick 40: energy \d\.\d{3}$/m)
  })
})
