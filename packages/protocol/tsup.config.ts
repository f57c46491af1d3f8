import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", codec: "src/codec.ts", request: "src/request-enums.ts", client: "src/api/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
});
