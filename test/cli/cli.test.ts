// The `kiln` command line, run as a user would: exit codes, messages, outputs, interruption.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../..")
const bin = join(root, "bin/kiln.mjs")
const kiln = (args: string[], cwd = root) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" })
const scenarios = join(root, "scenarios")
const bad = join(root, "test/fixtures/bad-scenarios")

describe("kiln", () => {
  it("prints its version and help", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
    const v = kiln(["--version"])
    expect(v.status).toBe(0)
    expect(v.stdout).toContain(pkg.version)
    const h = kiln(["--help"])
    expect(h.status).toBe(0)
    for (const c of ["run", "validate", "schema"]) expect(h.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, "m"))
  })

  it("prints the JSON Schema of scenarios", () => {
    const r = kiln(["schema"])
    expect(r.status).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.properties.interventions).toBeDefined()
    expect(doc.$schema).toContain("2020-12")
  })

  it("validates a good scenario with exit code 0", () => {
    const r = kiln(["validate", join(scenarios, "default.json")])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain("valid — 2000 agents")
  })

  for (const [file, path] of [
    ["renamed-key.json", "at energy.gama"],
    ["invalid-json.json", "at line 5, column 1"],
    ["unknown-belief-in-meme.json", "at memes[0].content.zeal"]
  ]) {
    it(`rejects ${file} with exit code 2, the file and the path`, () => {
      const r = kiln(["validate", join(bad, file)])
      expect(r.status).toBe(2)
      expect(r.stderr).toContain(`kiln: ${join(bad, file)}: ${path}:`)
    })
  }

  it("rejects unknown flags and bad flag values with exit code 2", () => {
    expect(kiln(["run", join(scenarios, "default.json"), "--bogus"]).status).toBe(2)
    expect(kiln(["run", join(scenarios, "default.json"), "--ticks", "-3"]).status).toBe(2)
    expect(kiln(["run", join(scenarios, "default.json"), "--workers", "0"]).status).toBe(2)
    const set = kiln(["run", join(scenarios, "default.json"), "--set", "energy.gamma=7"])
    expect(set.status).toBe(2)
    expect(set.stderr).toContain("at energy.gamma")
  })

  it("prints a flag error first, on stderr, with a one-line hint instead of the help", () => {
    const r = kiln(["run", join(scenarios, "default.json"), "--seed", "abc"])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(`kiln: Invalid value for flag --seed: "abc". Expected a string representing a finite number\nrun 'kiln run --help' for the options\n`)
  })

  for (const [set, message] of [
    ["memes[99].intensity=1", "at --set memes[99].intensity: memes has 2 items ([0] to [1]), so there is no [99]"],
    ["__proto__.polluted=1", `at --set __proto__.polluted: expected a scenario field path`],
    ["energy..gamma=1", `"energy..gamma" has an empty field name`],
    ["graph.groups=[]", "at graph.groups: Expected a value with a length of at least 1"],
    ["graph.size=65536", "at graph.size: 6,553,600 agents and 214,745,088,000 edges need 429,490,176,000 neighbour entries"],
    [`graph={"kind":"complete","n":100000}`, "at graph.n: 100,000 agents and 4,999,950,000 edges need"]
  ]) {
    it(`refuses --set ${set} in one line, exit 2, no stack trace`, () => {
      const r = kiln(["validate", join(scenarios, "default.json"), "--set", set])
      expect(r.status).toBe(2)
      expect(r.stdout).toBe("")
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1)
      expect(r.stderr).toContain(message)
    })
  }

  it("refuses a billion agents in a second, before building anything", () => {
    const t = Date.now()
    const r = kiln(["validate", join(scenarios, "cooling.json"), "--set", "graph.n=1000000000"])
    expect(Date.now() - t).toBeLessThan(5000)
    expect(r.status).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain("at graph.n: 1,000,000,000 agents and 3,000,000,000 edges need 6,000,000,000 neighbour entries")
  })

  it("rejects a scenario file that is not UTF-8", () => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-cli-utf8-"))
    const file = join(dir, "cooling.json")
    writeFileSync(file, readFileSync(join(scenarios, "cooling.json"), "latin1").replace('"cooling"', '"cööling"'), "latin1")
    const r = kiln(["validate", file])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/at line \d+, byte \d+: invalid UTF-8 \(byte 0xF6\)/)
  })

  it("runs a scenario with overrides into runs/<name>-<seed> and prints a summary", () => {
    const cwd = mkdtempSync(join(tmpdir(), "kiln-cli-"))
    const r = kiln(["run", join(scenarios, "default.json"), "--ticks", "4", "--seed", "9", "--set", "social.conformity=0.5"], cwd)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^energy_mean\s+\d/m)
    expect(r.stdout).toContain("2000 agents × 4 ticks")
    const dir = join(cwd, "runs/default-9")
    expect(readdirSync(dir).sort()).toEqual(["agents.parquet", "edges.parquet", "graph.json", "manifest.json", "metrics.csv", "metrics.parquet"])
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))
    expect(manifest.scenario.social.conformity).toBe(0.5)
    expect(manifest.seed).toBe(9)
  })

  it("writes byte-identical metrics and agents for 1, 2 and 3 workers", () => {
    const out = mkdtempSync(join(tmpdir(), "kiln-workers-"))
    for (const w of [1, 2, 3]) {
      const r = kiln(["run", join(scenarios, "default.json"), "--ticks", "6", "--workers", String(w), "--out", join(out, `w${w}`), "--quiet"])
      expect(r.status).toBe(0)
    }
    for (const f of ["metrics.csv", "metrics.parquet", "agents.parquet"]) {
      const one = readFileSync(join(out, "w1", f))
      expect(readFileSync(join(out, "w2", f)).equals(one)).toBe(true)
      expect(readFileSync(join(out, "w3", f)).equals(one)).toBe(true)
    }
    // The manifest records the threads used: no more than the cores.
    expect(JSON.parse(readFileSync(join(out, "w3/manifest.json"), "utf8")).workers).toBe(Math.min(3, availableParallelism()))
  })

  it("--stop ends a run where its rule holds, like a sweep's stop rules; a bad rule exits 2 naming it", () => {
    const out = mkdtempSync(join(tmpdir(), "kiln-stop-"))
    const cooling = join(scenarios, "cooling.json")
    const args = ["--ticks", "120", "--record-every", "10", "--set", "graph.n=150", "--quiet"]
    // Heated at tick 20, the agents cool down through energy 2 around tick 70.
    const cooled = '{"kind":"crossing","metric":"energy_mean","threshold":2,"direction":"down"}'
    expect(kiln(["run", cooling, ...args, "--out", join(out, "full")]).status).toBe(0)
    expect(kiln(["run", cooling, ...args, "--out", join(out, "stopped"), "--stop", cooled]).status).toBe(0)
    const manifest = JSON.parse(readFileSync(join(out, "stopped/manifest.json"), "utf8"))
    expect(manifest.stopped).toMatchObject({ reason: "crossing:energy_mean" })
    expect(manifest.stopped.tick).toBeLessThan(120)
    // The rows recorded are the full run's up to the tick where the rule held.
    const full = readFileSync(join(out, "full/metrics.csv"), "utf8").split("\n")
    const stopped = readFileSync(join(out, "stopped/metrics.csv"), "utf8").trimEnd().split("\n")
    expect(stopped).toEqual(full.slice(0, stopped.length))
    expect(stopped[stopped.length - 1].split(",")[0]).toBe(String(manifest.stopped.tick))
    for (const [rule, message] of [
      ['{"kind":"steady","metric":"energy_mean"}', "--stop[0].ticks"],
      ['{"kind":"crossing","metric":"nope","threshold":1}', '--stop[0].metric: "nope" is not a metrics column'],
      ["steady", "--stop[0]: expected a stop rule in JSON"]
    ]) {
      const r = kiln(["run", cooling, ...args, "--out", join(out, "bad"), "--stop", rule])
      expect(r.status, rule).toBe(2)
      expect(r.stderr, rule).toContain(`${cooling}: at ${message}`)
      expect(existsSync(join(out, "bad"))).toBe(false)
    }
  })

  it("an interrupted run exits non-zero and leaves no output directory", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kiln-int-")), "run")
    const child = spawn(process.execPath, [bin, "run", join(scenarios, "default.json"), "--ticks", "100000", "--out", out], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let err = ""
    child.stderr.on("data", (d) => (err += d))
    // Wait for the first progress line: the run is under way.
    await new Promise<void>((done) => child.stderr.once("data", () => done()))
    child.kill("SIGINT")
    const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)))
    expect(code).not.toBe(0)
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(join(out, "..")).length).toBe(0)
  })
})
