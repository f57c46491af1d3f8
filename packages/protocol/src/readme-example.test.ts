import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runReadmeExample, supportedNodes } from "../../../scripts/readme-example.mjs";

// The README's example, run against the packed tarball as a third party would install it.
const here = fileURLToPath(new URL("..", import.meta.url));

describe("README example", () => {
  it("runs as written, on Node 24 and Node 22, against the packed package", () => {
    const { stdout, manifests } = runReadmeExample([here], { nodes: supportedNodes() });
    const m = manifests["@sockgate/protocol"]!;
    expect(m.files).toContain("LICENSE");
    expect(JSON.stringify(m)).not.toContain("workspace:");
    expect(stdout[0]!.split("\n")).toEqual([
      "python3 bind port 8080: allow (unknown)",
      "bind { address: '2001:db8::1', port: 8080 } undefined",
      "true",
      "request.app.exeIno: expected an integer 0..9007199254740991, received -1",
      "",
    ]);
    expect(stdout).toHaveLength(2);
    expect(stdout[1], "Node 22 prints what Node 24 does").toBe(stdout[0]);
  }, 120_000);
});
