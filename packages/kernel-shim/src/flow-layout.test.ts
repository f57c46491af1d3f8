import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLOW_KEY_BYTES, PENDING_BYTES, TUPLE_BYTES, decodeFlowKey, decodePending, decodeTuple, encodeFlowKey, encodePending, encodeTuple } from "./flow-layout.js";
import { LINEAGE_BYTES, decodeLineage, encodeLineage, lineageIncludes } from "./lineage-layout.js";
import type { PendingFlow } from "./types.js";

const here = dirname(fileURLToPath(import.meta.url));
const hex = (b: Buffer): string => b.toString("hex");

const FLOW = { cookie: 4711n, addr: "203.0.113.7", port: 443, proto: "tcp" } as const;
// The header's flow example, one field per line.
const FLOW_BYTES = [
  "6712000000000000", // cookie 4711, u64 LE
  "00000000000000000000ffffcb007107", // addr ::ffff:203.0.113.7, network order
  "bb01", // port 443, host order
  "01", // proto TCP
  "00", // _pad0
  "00000000", // _pad1
].join("");

const PENDING: PendingFlow = {
  key: { ...FLOW, addr: "::ffff:203.0.113.7" },
  op: "connect",
  hook: "connect6",
  family: 10,
  exeIno: 1234n,
  exeDev: 0x800001,
  exeGeneration: 0x5a17c0de,
  uid: 1000,
  gid: 100,
  pid: 4243,
  tgid: 4242,
  ppid: 1717,
  cgroupId: 0x100002a5fn,
  ktime: 987654321012345n,
  netnsCookie: 4096n,
  flags: 1,
  localAddr: "2001:db8::5",
  localPort: 40000,
  comm: "curl",
  startTime: 0x0000123456789abcn,
  execId: 7n,
};

describe("flow and lineage layouts against the C header", () => {
  let dir: string;
  const golden = new Map<string, string>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sg-flow-layout-"));
    const exe = join(dir, "golden");
    execFileSync("cc", ["-Wall", "-Wextra", "-Werror", "-std=gnu11", "-I", join(here, "../../protocol/abi"), join(here, "verdict-layout.golden.c"), "-o", exe]);
    for (const line of execFileSync(exe, { encoding: "utf8" }).trim().split("\n")) {
      const [name, value] = line.split(" ");
      golden.set(name!, value!);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has the sizes the TypeScript side assumes", () => {
    expect(Number(golden.get("sizeof_flow_key"))).toBe(FLOW_KEY_BYTES);
    expect(Number(golden.get("sizeof_pending"))).toBe(PENDING_BYTES);
    expect(Number(golden.get("sizeof_tuple"))).toBe(TUPLE_BYTES);
  });

  it("the hand-written flow key matches the compiler's layout and the encoder", () => {
    expect(golden.get("flow_key")).toBe(FLOW_BYTES);
    expect(hex(encodeFlowKey(FLOW))).toBe(FLOW_BYTES);
  });

  it("decodes the C pending record field by field", () => {
    const bytes = Buffer.from(golden.get("pending")!, "hex");
    expect(decodePending(PENDING.key, bytes)).toEqual(PENDING);
    expect(hex(encodePending(PENDING))).toBe(golden.get("pending"));
  });

  it("decodes the C lineage: nearest ancestor first, pid and start tick apart", () => {
    expect(Number(golden.get("sizeof_lineage"))).toBe(LINEAGE_BYTES);
    const lineage = { ancestors: [{ pid: 4243, startTicks: 1000 }, { pid: 4242, startTicks: 900 }], earlier: new Uint8Array(32), depth: 2 };
    expect(decodeLineage(Buffer.from(golden.get("lineage")!, "hex"))).toEqual(lineage);
    expect(hex(encodeLineage(lineage))).toBe(golden.get("lineage"));
    expect(lineageIncludes(lineage, 4242, 900)).toBe(true);
    expect(lineageIncludes(lineage, 4242, 901), "the same pid, a later process").toBe(false);
    expect(lineageIncludes(lineage, 1, 0)).toBe(false);
  });

  it("finds the ancestors the C side put in the filter with the header's hash, and not others", () => {
    const deep = decodeLineage(Buffer.from(golden.get("lineage_deep")!, "hex"));
    expect(deep.depth).toBe(18);
    expect(deep.ancestors).toHaveLength(16);
    expect(deep.ancestors[15]).toEqual({ pid: 115, startTicks: 1015 });
    expect(lineageIncludes(deep, 7, 70)).toBe(true);
    expect(lineageIncludes(deep, 8, 80)).toBe(true);
    expect(lineageIncludes(deep, 103, 1003), "a named one").toBe(true);
    // 6 bits set of 256: a stranger passes all three of its bits about once in 300,000
    const strangers = Array.from({ length: 2000 }, (_, i) => lineageIncludes(deep, 20_000 + i, 5)).filter(Boolean);
    expect(strangers).toEqual([]);
    expect(hex(encodeLineage(deep))).toBe(golden.get("lineage_deep"));
  });

  it("encodes and decodes the C tuple", () => {
    const t = { saddr: "::ffff:10.77.0.1", daddr: "2001:db8::7", sport: 54321, dport: 53, proto: "udp" } as const;
    expect(hex(encodeTuple({ ...t, saddr: "10.77.0.1" }))).toBe(golden.get("tuple"));
    expect(decodeTuple(Buffer.from(golden.get("tuple")!, "hex"))).toEqual(t);
  });
});

describe("flow layouts refuse what no flow can be", () => {
  it.each([
    ["cookie 0", { ...FLOW, cookie: 0n }, /cookie is invalid/],
    ["a number cookie", { ...FLOW, cookie: 1 }, /cookie is invalid/],
    ["proto any", { ...FLOW, proto: "any" }, /proto is invalid/],
    ["port 65536", { ...FLOW, port: 65536 }, /port is invalid/],
    ["a bad address", { ...FLOW, addr: "1.2.3" }, /address/],
  ])("%s", (_, key, message) => {
    expect(() => encodeFlowKey(key as never)).toThrow(message);
  });

  it("round-trips a v6 flow key", () => {
    const k = { cookie: (1n << 64n) - 1n, addr: "fd77:1::2", port: 0, proto: "icmp" } as const;
    expect(decodeFlowKey(encodeFlowKey(k))).toEqual(k);
  });
});

describe("addresses kept from one key to the next", () => {
  it("a key written into a reused buffer is the same as a fresh one, and writing into it changes no later key", () => {
    const scratch = Buffer.alloc(FLOW_KEY_BYTES);
    expect(hex(encodeFlowKey(FLOW, scratch))).toBe(FLOW_BYTES);
    scratch.fill(0xff); // the caller owns its buffer: the kept address bytes are not in it
    expect(hex(encodeFlowKey(FLOW))).toBe(FLOW_BYTES);
    expect(hex(encodeFlowKey(FLOW, scratch))).toBe(FLOW_BYTES);
  });

  it("a bad address throws each time it is given", () => {
    for (let i = 0; i < 2; i++) expect(() => encodeFlowKey({ ...FLOW, addr: "203.0.113" })).toThrow();
  });

  it("more addresses than it keeps still encode exactly", () => {
    for (let i = 0; i < 3000; i++) {
      const addr = `10.${(i >> 8) & 255}.${i & 255}.1`;
      expect(decodeFlowKey(encodeFlowKey({ ...FLOW, addr })).addr).toBe(`::ffff:${addr}`);
    }
  });
});
