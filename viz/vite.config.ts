// Builds the viewer into viz/dist (served by `kiln serve`). Relative asset URLs so any mount point works.
import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  root: here("."),
  base: "./",
  logLevel: "warn",
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000
  }
})
