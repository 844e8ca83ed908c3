// Test configuration: long statistical tests get time; timing itself belongs to `npm run bench`.
// Two projects: `unit` (everything that checks code paths) and `statistics` (the claims, the evolution
// experiments, the validations of the model library and the physics reductions, which run many seeds); `npm test` runs both, `npx vitest run --project unit` the fast one.
import { defineConfig } from "vitest/config"

const statistics = ["test/claims/**/*.test.ts", "test/evolution/**/*.test.ts", "test/models/**/*.test.ts", "test/model/physics.test.ts", "test/experiment/calibrate-kiln.test.ts"]

export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: statistics } },
      { extends: true, test: { name: "statistics", include: statistics } }
    ]
  }
})
