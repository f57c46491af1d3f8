import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// Another firewall uses this package from npm alone: no source imports node: except the
// socket client of "@sockgate/protocol/client" (tests may, they do not ship).
const NODE_ALLOWED = new Set(["api/client.ts", "api/client-transport.ts"]);

describe("package boundary", () => {
  it("no source file imports a node: module, except the client's socket code", () => {
    const dir = new URL("./", import.meta.url);
    const sources = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(sources).toContain("api/client.ts");
    const importsNode = (f: string): boolean => /\bfrom\s+["']node:|\bimport\(\s*["']node:|\brequire\(\s*["']node:/.test(readFileSync(new URL(f, dir), "utf8"));
    expect(sources.filter((f) => importsNode(f) && !NODE_ALLOWED.has(f))).toEqual([]);
    expect([...NODE_ALLOWED].filter(importsNode).length).toBeGreaterThan(0);
  });
});
