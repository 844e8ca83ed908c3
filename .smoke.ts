import { loadExperiment } from "/work/main/src/experiment/load.js"
import { expandDesign } from "/work/main/src/experiment/design.js"
import { sweep } from "/work/main/src/experiment/sweep.js"
import { rmSync } from "node:fs"
const d = expandDesign(loadExperiment("scenarios/experiments/cooling.json"))
console.log(d.identity, d.columns, d.points.map(p => [p.id, p.values]), d.runs.slice(0,4), d.metricColumns)
rmSync("/tmp/kilnprobe/c.duckdb", { force: true })
const t = Date.now()
const s = sweep("scenarios/experiments/cooling.json", { db: "/tmp/kilnprobe/c.duckdb", workers: Number(process.argv[2] ?? 2) })
s.progress.subscribe(p => console.log(p.finished, p.failed, p.runsPerSecond.toFixed(2), p.last?.runId))
const r = await s.result
console.log((Date.now()-t)/1000, r.finished, r.failed)
console.log(await r.query("SELECT run_id, schedule, social_conformity, seed, status, ticks, stop_reason, wall_seconds FROM runs ORDER BY run_id"))
console.log(await r.query("SELECT schedule, social_conformity, avg(dissonance_mean) d, avg(edge_disagreement) e, avg(energy_mean) en FROM final JOIN runs USING (run_id) GROUP BY ALL ORDER BY ALL"))
