import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", match: "src/match.ts", kernel: "src/kernel.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
});
