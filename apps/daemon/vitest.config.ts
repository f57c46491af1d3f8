import { defineConfig } from "vitest/config";

// The daemon tests start real daemons on cgroups and namespaces of their own: one file at a time.
export default defineConfig({ test: { include: ["src/**/*.test.ts"], fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 } });
