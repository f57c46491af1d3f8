import { defineConfig } from "vitest/config";

// Component and unit tests run anywhere; *.daemon.test.ts start real daemons, users and tmux
// sessions of their own (root only): one file at a time.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    setupFiles: ["src/test-support/setup.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
