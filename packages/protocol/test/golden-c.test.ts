// Compiles test/c/golden-vectors.c against abi/sockgate-abi.h (the header the BPF code
// includes) and runs it: the C struct layout must produce the golden bytes too.

import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VECTORS_DIR, vectorNames } from "./golden-files.js";

const PKG = fileURLToPath(new URL("../", import.meta.url));
/** Vectors struct sg_event cannot express. */
const TS_ONLY = ["unknown-attr"];

let dir = "";
let exe = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sockgate-golden-c-"));
  exe = join(dir, "golden-vectors");
  const cc = spawnSync(
    "cc",
    ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", join(PKG, "abi"), "-o", exe, join(PKG, "test/c/golden-vectors.c")],
    { encoding: "utf8" },
  );
  if (cc.error) throw new Error(`cannot run cc (build-essential missing?): ${cc.error.message}`);
  if (cc.status !== 0) throw new Error(`cc failed with status ${cc.status}:\n${cc.stderr}`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("C golden-vector test", () => {
  it("builds every vector except the TS-only ones byte-identically", () => {
    const run = spawnSync(exe, [VECTORS_DIR], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const ok = run.stdout
      .split("\n")
      .filter((l) => l.startsWith("ok "))
      .map((l) => l.split(" ")[1]);
    expect(ok.sort()).toEqual(vectorNames().filter((n) => !TS_ONLY.includes(n)));
  });

  it("fails, naming the offset and struct member, when a golden byte differs", () => {
    const copy = join(dir, "vectors");
    cpSync(VECTORS_DIR, copy, { recursive: true });
    const file = join(copy, "ipv6-bind-unknown.txt");
    // remote_port's value is "00 00 00 00" after the "08 00 15 00" header; make it 1.
    const text = readFileSync(file, "utf8").replace(/(08 00 15 00[^\n]*\n)00/, "$101");
    writeFileSync(file, text);
    const run = spawnSync(exe, [copy], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/ipv6-bind-unknown: first difference at offset 224 \(struct member remote_port\): built 0x00, golden 0x01/);
    expect(run.stdout).toMatch(/^ok ipv4-connect-deny 440$/m);
  });
});

describe("C nfqueue vector test (kernel uapi structs)", () => {
  let nfq = "";
  const NFQ_DIR = join(VECTORS_DIR, "nfqueue");

  beforeAll(() => {
    nfq = join(dir, "nfqueue-vectors");
    const cc = spawnSync("cc", ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", nfq, join(PKG, "test/c/nfqueue-vectors.c")], { encoding: "utf8" });
    if (cc.status !== 0) throw new Error(`cc failed with status ${cc.status}:\n${cc.stderr}`);
  });

  it("builds every nfqueue vector byte-identically from the kernel's structs", () => {
    const run = spawnSync(nfq, [NFQ_DIR], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const names = readdirSync(NFQ_DIR).filter((f) => f.endsWith(".txt")).map((f) => f.slice(0, -4)).sort();
    expect(run.stdout.split("\n").filter((l) => l.startsWith("ok ")).map((l) => l.split(" ")[1]).sort()).toEqual(names);
  });

  it("fails, naming the offset, when a golden byte differs", () => {
    const copy = join(dir, "nfqueue");
    cpSync(NFQ_DIR, copy, { recursive: true });
    const file = join(copy, "verdict-accept-mark.txt");
    writeFileSync(file, readFileSync(file, "utf8").replace("53 47 00 01", "53 47 00 02"));
    const run = spawnSync(nfq, [copy], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/verdict-accept-mark: first difference at offset 39/);
  });
});

describe("C DNS record vector test", () => {
  it("builds the golden DNS record from struct sg_dns_event", () => {
    const exe = join(dir, "dns-vectors");
    const cc = spawnSync("cc", ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", join(PKG, "abi"), "-o", exe, join(PKG, "test/c/dns-vectors.c")], { encoding: "utf8" });
    expect(cc.stderr).toBe("");
    const run = spawnSync(exe, [join(VECTORS_DIR, "dns")], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("ok udp-answer 352");
  });
});
