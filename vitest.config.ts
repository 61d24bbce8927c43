import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most end-to-end tests wait on sockets and child processes: two files at once keep both cores busy.
    maxWorkers: 2,
  },
});
