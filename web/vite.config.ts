// The playground is served by switchyard itself from build/web (its web_root).
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/",
  build: {
    outDir: "../build/web",
    emptyOutDir: true,
    assetsDir: "assets", // hashed names: the server caches /assets/* for a year
  },
  test: {
    include: ["test/**/*.test.ts"],
  },
});
