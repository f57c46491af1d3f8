import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runReadmeExample, supportedNodes } from "../../../scripts/readme-example.mjs";

// The README's example, run against the packed tarballs as a third party would install them.
const dir = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

describe("README example", () => {
  it("runs as written against the packed packages", () => {
    const { stdout, manifests } = runReadmeExample([dir("../../protocol/"), dir("../../decision-engine/"), dir("../")], { nodes: supportedNodes() });
    const m = manifests["@sockgate/store"]!;
    expect(m.peerDependencies).toEqual({ "@sockgate/decision-engine": "^0.1.0", "@sockgate/protocol": "^0.1.0" });
    expect(m.files).toContain("LICENSE");
    expect(JSON.stringify(m)).not.toContain("workspace:");
    expect(stdout[0]!.split("\n")).toEqual(["[ 'curl-example' ] 1 true", "{ imported: 1, removed: 1 }", "false", ""]);
    // better-sqlite3 is a Node-API addon: the one binary loads on Node 22 and 24
    expect(stdout).toHaveLength(2);
    expect(stdout[1], "Node 22 prints what Node 24 does").toBe(stdout[0]);
  }, 60_000);
});
