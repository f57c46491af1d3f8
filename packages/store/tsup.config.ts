import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/history.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
});
