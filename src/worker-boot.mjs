// Boots the worker from TypeScript sources (tests, development): Node 20 workers cannot load .ts themselves.
import { register } from "tsx/esm/api"

register()
await import("./worker.ts")
