import { defineConfig } from "tsup";

export default defineConfig({
  // history-worker sits beside main.js: the recorder starts it from there (new URL(..., import.meta.url))
  entry: { main: "src/main.ts", "history-worker": "src/history/history-worker.ts", shell: "src/shell.ts", run: "src/run/main.ts", "run-main": "src/run/run-main.ts" },
  format: ["esm"],
  sourcemap: true,
  clean: true,
  target: "node22",
  banner: { js: "#!/usr/bin/env node" },
});
