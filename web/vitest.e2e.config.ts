// End-to-end tests of the playground: headless Debian Chromium (driven by
// playwright-core, never downloading a browser) against a real switchyard
// serve with generated models and the built-in speech engines. Run by ctest
// (web/e2e), which says where the binaries and the built page are.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Waits for the page, not timings: generous, and they end as soon as it holds.
    expect: { poll: { timeout: 60_000, interval: 50 } },
  },
});
