import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runReadmeExample, supportedNodes } from "../../../scripts/readme-example.mjs";

// The README's example, run against the packed tarballs as a third party would install them.
const here = fileURLToPath(new URL("..", import.meta.url));
const protocol = fileURLToPath(new URL("../../protocol/", import.meta.url));

describe("README example", () => {
  it("runs as written, on Node 24 and Node 22, against the packed packages", () => {
    const { stdout, manifests } = runReadmeExample([protocol, here], { nodes: supportedNodes() });
    const m = manifests["@sockgate/decision-engine"]!;
    expect(m.peerDependencies).toEqual({ "@sockgate/protocol": "^0.1.0" });
    expect(m.files).toContain("LICENSE");
    expect(JSON.stringify(m)).not.toContain("workspace:");
    expect(stdout[0]!.split("\n")).toEqual([
      "[ '*.example.org' ]",
      "answer [",
      "  {",
      "    exe: '/usr/bin/curl',",
      "    operation: [ 'connect' ],",
      "    protocol: [ 'tcp' ],",
      "    remoteHost: [ '*.example.org' ]",
      "  }",
      "]",
      "user",
      "allow null",
      "0 host names are known only to user space",
      "",
    ]);
    expect(stdout).toHaveLength(2);
    expect(stdout[1], "Node 22 prints what Node 24 does").toBe(stdout[0]);
  }, 120_000);
});
