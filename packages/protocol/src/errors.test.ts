import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SockgateError, isSockgateError } from "./errors.js";

describe("SockgateError", () => {
  it("is recognised by code and by instanceof", () => {
    const err = new SockgateError("SG_ERR_TRUNCATED", "x");
    expect(isSockgateError(err)).toBe(true);
    expect(isSockgateError(err, "SG_ERR_TRUNCATED")).toBe(true);
    expect(isSockgateError(err, "SG_ERR_BAD_VALUE")).toBe(false);
    expect(err instanceof SockgateError && err instanceof Error).toBe(true);
    expect(isSockgateError(new Error("x"))).toBe(false);
    expect(isSockgateError({ code: "SG_ERR_TRUNCATED", message: "forged" })).toBe(false);
  });

  // An application can end up with two copies of this package (one under the engine,
  // one under the store): an error thrown by one copy must be recognised by the other.
  it("an error from a second copy of the package is recognised by the first", () => {
    const dist = fileURLToPath(new URL("../dist/", import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), "sockgate-two-copies-"));
    try {
      cpSync(dist, join(dir, "a"), { recursive: true });
      cpSync(dist, join(dir, "b"), { recursive: true });
      const script = `
        const a = await import(${JSON.stringify(join(dir, "a", "index.js"))});
        const b = await import(${JSON.stringify(join(dir, "b", "index.js"))});
        const err = new b.SockgateError("SG_ERR_TRUNCATED", "from copy b");
        console.log(JSON.stringify([a.SockgateError !== b.SockgateError, a.isSockgateError(err, "SG_ERR_TRUNCATED"), err instanceof a.SockgateError]));`;
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
      expect(JSON.parse(out)).toEqual([true, true, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
