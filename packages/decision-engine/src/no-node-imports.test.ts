import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The engine must run wherever another firewall runs it: nothing from node: in its sources
// (tests may use node:, they do not ship).
describe("package boundary", () => {
  it("no source file imports a node: module", () => {
    const dir = new URL("./", import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(sources.length).toBeGreaterThan(10);
    const offenders = sources.filter((f) => /\bfrom\s+["']node:|\bimport\(\s*["']node:|\brequire\(\s*["']node:/.test(readFileSync(new URL(f, dir), "utf8")));
    expect(offenders).toEqual([]);
  });
});
