// Boots a worker from the TypeScript sources: registers tsx, then imports the entry passed as the last argument.
import { register } from "tsx/esm/api"

register()
await import(process.argv[process.argv.length - 1])
