// Headless Chromium for the viewer's measurement scripts: a throwaway profile and SwiftShader WebGL, so the numbers
// come from the same software renderer on any machine.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium } from "playwright-core"

/** Debian's chromium unless KILN_CHROMIUM or --chromium names another. */
export const DEFAULT_CHROMIUM = process.env.KILN_CHROMIUM ?? "/usr/bin/chromium"

export const launchHeadless = (executablePath, viewport) =>
  chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "kiln-measure-")), {
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport
  })
