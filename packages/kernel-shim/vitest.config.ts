import { defineConfig } from "vitest/config";

// Kernel tests share one machine's cgroups and namespaces: run files one at a time.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
