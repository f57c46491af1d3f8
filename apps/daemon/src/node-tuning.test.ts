import { describe, expect, it } from "vitest";
import { NODE_ENV, NODE_FLAGS, missingTuning } from "./node-tuning.js";

describe("missingTuning", () => {
  it("a plain start lacks every setting", () => {
    expect(missingTuning([], {})).toEqual({ flags: [...NODE_FLAGS], env: { ...NODE_ENV } });
  });

  it("settings given already are kept, whatever their value (the administrator's choice wins)", () => {
    expect(missingTuning(["--max-semi-space-size=8", "--v8-pool-size=4", "--invocation-count-for-turbofan=3000", "--heap-growing-percent=100"], { MALLOC_ARENA_MAX: "4" })).toEqual({ flags: [], env: {} });
    expect(missingTuning(["--max_semi_space_size=8"], {})).toEqual({ flags: ["--v8-pool-size=1", "--invocation-count-for-turbofan=1000", "--heap-growing-percent=50"], env: { ...NODE_ENV } });
  });

  it("other flags do not count", () => {
    expect(missingTuning(["--max-semi-space-sizes=1", "--inspect"], { MALLOC_ARENA_MAX: "2" }).flags).toEqual([...NODE_FLAGS]);
  });
});
