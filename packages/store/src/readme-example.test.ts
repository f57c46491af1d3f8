import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runReadmeExample } from "../../../scripts/readme-example.mjs";

// The README's example, run against the packed tarballs as a third party would install them.
const dir = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

describe("README example", () => {
  it("runs as written against the packed packages", () => {
    const { stdout, manifests } = runReadmeExample([dir("../../protocol/"), dir("../../decision-engine/"), dir("../")]);
    const m = manifests["@sockgate/store"]!;
    expect(m.peerDependencies).toEqual({ "@sockgate/decision-engine": "^0.1.0", "@sockgate/protocol": "^0.1.0" });
    expect(m.files).toContain("LICENSE");
    expect(JSON.stringify(m)).not.toContain("workspace:");
    expect(stdout[0]!.split("\n")).toEqual(["[ 'curl-example' ] 1 true", "{ imported: 1, removed: 1 }", "false", ""]);
  }, 60_000);
});
