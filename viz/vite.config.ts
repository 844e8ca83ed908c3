// Builds the viewer into viz/dist (served by `kiln serve`). Relative asset URLs so any mount point works.
import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  root: here("."),
  base: "./",
  logLevel: "warn",
  resolve: {
    // src/frames.ts is shared with the engine; only its file writer uses Node, and the viewer never calls it.
    alias: { "node:fs": here("src/node-stub.ts"), "node:path": here("src/node-stub.ts") }
  },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000
  }
})
