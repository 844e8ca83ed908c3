// Boots the layout worker from TypeScript sources (tests, tsx): Node 20 cannot load a .ts worker entry itself.
import { register } from "tsx/esm/api"

register()
await import(new URL("./layout-worker.ts", import.meta.url).href)
