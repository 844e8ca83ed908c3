import { query } from "/work/main/src/experiment/store.js"
console.log(await query("/tmp/kilnprobe/c.duckdb", process.argv[2]))
