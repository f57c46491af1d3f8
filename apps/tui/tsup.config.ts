import { defineConfig } from "tsup";

export default defineConfig({
  // main: the `sockgate` binary (TUI and CLI); quickstart: what ./sockgate start/stop/unload run.
  entry: { main: "src/main.ts", quickstart: "src/quickstart/main.ts" },
  format: ["esm"],
  sourcemap: true,
  clean: true,
  target: "node22",
  banner: { js: "#!/usr/bin/env node" },
});
