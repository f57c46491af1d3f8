import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { abi, isSockgateError } from "@sockgate/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "./config.js";
import type { ShimConfig, VerdictKey } from "./types.js";
import {
  CONFIG_BYTES,
  VERDICT_KEY_BYTES,
  VERDICT_VALUE_BYTES,
  decodeConfig,
  decodeVerdictKey,
  decodeVerdictValue,
  encodeConfig,
  encodeVerdictKey,
  encodeVerdictValue,
} from "./verdict-layout.js";

const here = dirname(fileURLToPath(import.meta.url));
const hex = (b: Buffer): string => b.toString("hex");

// The header's worked example, written one field per line.
const EXACT_V6: VerdictKey = {
  exeIno: 1234n,
  exeDev: 0x800001,
  uid: 1000,
  op: "connect",
  proto: "tcp",
  addr: "2001:db8::1",
  port: 443,
};
const EXACT_V6_BYTES = [
  "d204000000000000", // exe_ino 1234, u64 LE
  "01008000", //         exe_dev 0x800001, u32 LE
  "e8030000", //         uid 1000
  "03", //               op CONNECT
  "01", //               proto TCP
  "03", //               layer ADDR|PORT
  "00", //               _pad0
  "bb01", //             port 443, host order (LE)
  "0000", //             _pad1
  "20010db8000000000000000000000001", // addr, network order
].join("");

const KEYS: Record<string, VerdictKey> = {
  key_exact_v6: EXACT_V6,
  key_app: { exeIno: 0x0102030405060708n, exeDev: 254 << 20, uid: 0xfffffffe, op: "any", proto: "any" },
  key_addr_v4: { exeIno: (1n << 64n) - 1n, exeDev: 0xffffffff, uid: 0, op: "send", proto: "udp", addr: "192.0.2.1" },
  key_port: { exeIno: 42n, exeDev: 1, uid: 65534, op: "bind", proto: "icmp", port: 65535 },
};

const INVERTED: ShimConfig = {
  unknownPolicy: { socket: "deny", bind: "deny", listen: "deny", connect: "hold", send: "allow", accept: "hold" },
  untaggedListenerPolicy: "deny",
  reportAllows: true,
  scopeEnabled: true,
  pendingPerUid: 0xfffffffe,
  pendingPerListener: 1,
  socksPerUid: 0x10203,
  hostMountNamespace: 4026531841,
};

describe("verdict layout against the C header", () => {
  let dir: string;
  const golden = new Map<string, string>();

  beforeAll(() => {
    // Compiled against the same header the BPF programs include.
    dir = mkdtempSync(join(tmpdir(), "sg-layout-"));
    const exe = join(dir, "golden");
    execFileSync("cc", ["-Wall", "-Wextra", "-Werror", "-std=gnu11", "-I", join(here, "../../protocol/abi"),
      join(here, "verdict-layout.golden.c"), "-o", exe]);
    for (const line of execFileSync(exe, { encoding: "utf8" }).trim().split("\n")) {
      const [name, value] = line.split(" ");
      golden.set(name!, value!);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has the sizes the TypeScript side assumes", () => {
    expect(Number(golden.get("sizeof_key"))).toBe(VERDICT_KEY_BYTES);
    expect(Number(golden.get("sizeof_value"))).toBe(VERDICT_VALUE_BYTES);
    expect(Number(golden.get("sizeof_config"))).toBe(CONFIG_BYTES);
    expect(Number(golden.get("sizeof_counters"))).toBe(abi.SIZEOF.counters);
  });

  it("the hand-written golden key matches the compiler's layout", () => {
    expect(golden.get("key_exact_v6")).toBe(EXACT_V6_BYTES);
  });

  for (const [name, key] of Object.entries(KEYS)) {
    it(`encodes ${name} byte for byte`, () => {
      expect(hex(encodeVerdictKey(key))).toBe(golden.get(name));
    });
  }

  it("encodes values byte for byte", () => {
    expect(hex(encodeVerdictValue({ verdict: "deny", tag: 0xdeadbeef }))).toBe(golden.get("value_deny"));
    expect(hex(encodeVerdictValue({ verdict: "allow" }))).toBe(golden.get("value_allow"));
    expect(hex(encodeVerdictValue({ verdict: "allow", expiresNs: 0x0102030405060708n }))).toBe(golden.get("value_deadline"));
    expect(hex(encodeVerdictValue({ verdict: "allow", expiresNs: 0x0102030405060708n, exeGeneration: 0xa1b2c3d4 }))).toBe(
      golden.get("value_generation"),
    );
  });

  it("encodes configs byte for byte", () => {
    expect(hex(encodeConfig(DEFAULT_CONFIG))).toBe(golden.get("config_default"));
    expect(hex(encodeConfig(INVERTED))).toBe(golden.get("config_inverted"));
  });
});

describe("verdict layout round trips", () => {
  it("decodes what it encodes, with IPv4 listed in v4-mapped form", () => {
    expect(decodeVerdictKey(encodeVerdictKey(EXACT_V6))).toEqual(EXACT_V6);
    expect(decodeVerdictKey(encodeVerdictKey(KEYS.key_port!))).toEqual(KEYS.key_port);
    expect(decodeVerdictKey(encodeVerdictKey(KEYS.key_app!))).toEqual(KEYS.key_app);
    expect(decodeVerdictKey(encodeVerdictKey(KEYS.key_addr_v4!))).toEqual({ ...KEYS.key_addr_v4, addr: "::ffff:192.0.2.1" });
    expect(decodeVerdictValue(encodeVerdictValue({ verdict: "deny", tag: 7 }))).toEqual({ verdict: "deny", tag: 7, expiresNs: 0n, exeGeneration: 0 });
    expect(decodeConfig(encodeConfig(INVERTED))).toEqual(INVERTED);
    expect(decodeConfig(encodeConfig(DEFAULT_CONFIG))).toEqual(DEFAULT_CONFIG);
  });

  it("writes at an offset and zeroes stale bytes", () => {
    const buf = Buffer.alloc(VERDICT_KEY_BYTES + 3, 0xaa);
    encodeVerdictKey(KEYS.key_app!, buf, 3);
    expect(buf.subarray(0, 3)).toEqual(Buffer.from([0xaa, 0xaa, 0xaa]));
    expect(decodeVerdictKey(buf, 3)).toEqual(KEYS.key_app);
  });

  it("v4 and v4-mapped spellings give the same key bytes", () => {
    const a = encodeVerdictKey({ ...KEYS.key_addr_v4!, addr: "192.0.2.1" });
    const b = encodeVerdictKey({ ...KEYS.key_addr_v4!, addr: "::ffff:192.0.2.1" });
    expect(a).toEqual(b);
  });
});

describe("verdict layout refuses keys no lookup can hit", () => {
  const base = { exeIno: 1n, exeDev: 1, uid: 0 };
  const cases: Array<[string, unknown, string]> = [
    ["op any with a specific proto", { ...base, op: "any", proto: "tcp" }, "SG_ERR_BAD_VALUE"],
    ["a specific op with proto any", { ...base, op: "connect", proto: "any" }, "SG_ERR_BAD_VALUE"],
    ["op any with a port", { ...base, op: "any", proto: "any", port: 1 }, "SG_ERR_BAD_VALUE"],
    ["socket with an address", { ...base, op: "socket", proto: "tcp", addr: "::1" }, "SG_ERR_BAD_VALUE"],
    ["port 0", { ...base, op: "connect", proto: "tcp", port: 0 }, "SG_ERR_BAD_VALUE"],
    ["port 65536", { ...base, op: "connect", proto: "tcp", port: 65536 }, "SG_ERR_BAD_VALUE"],
    ["a number inode", { ...base, exeIno: 1, op: "connect", proto: "tcp" }, "SG_ERR_BAD_VALUE"],
    ["an inode above 2^64-1", { ...base, exeIno: 1n << 64n, op: "connect", proto: "tcp" }, "SG_ERR_BAD_VALUE"],
    ["a negative uid", { ...base, uid: -1, op: "connect", proto: "tcp" }, "SG_ERR_BAD_VALUE"],
    ["a fractional dev", { ...base, exeDev: 1.5, op: "connect", proto: "tcp" }, "SG_ERR_BAD_VALUE"],
    ["an unknown op", { ...base, op: "accept4", proto: "tcp" }, "SG_ERR_BAD_VALUE"],
    ["a bad address", { ...base, op: "connect", proto: "tcp", addr: "300.1.1.1" }, "SG_ERR_BAD_ADDRESS"],
  ];
  for (const [name, key, code] of cases) {
    it(`refuses ${name} with ${code}`, () => {
      let caught: unknown;
      try {
        encodeVerdictKey(key as VerdictKey);
      } catch (err) {
        caught = err;
      }
      expect(isSockgateError(caught, code as "SG_ERR_BAD_VALUE")).toBe(true);
    });
  }

  it("refuses a verdict other than allow/deny, a tag above u32 and a negative deadline", () => {
    expect(() => encodeVerdictValue({ verdict: "none" as "allow" })).toThrow(/expected "allow" or "deny"/);
    expect(() => encodeVerdictValue({ verdict: "allow", tag: 2 ** 32 })).toThrow(/tag is invalid/);
    expect(() => encodeVerdictValue({ verdict: "allow", expiresNs: -1n })).toThrow(/expiresNs is invalid/);
  });

  it("refuses hold for operations that cannot be held", () => {
    for (const op of ["socket", "bind", "listen"] as const) {
      expect(() => encodeConfig({ ...DEFAULT_CONFIG, unknownPolicy: { ...DEFAULT_CONFIG.unknownPolicy, [op]: "hold" } })).toThrow(
        new RegExp(`unknownPolicy.${op} is invalid: expected "allow" or "deny" \\(only connect, send and accept can be held\\)`),
      );
    }
    expect(() => encodeConfig({ ...DEFAULT_CONFIG, untaggedListenerPolicy: "hold" })).toThrow(/untaggedListenerPolicy is invalid/);
  });

  it("refuses a config with a missing or unknown policy", () => {
    const { connect: _connect, ...rest } = DEFAULT_CONFIG.unknownPolicy;
    expect(() => encodeConfig({ ...DEFAULT_CONFIG, unknownPolicy: rest as ShimConfig["unknownPolicy"] })).toThrow(
      /unknownPolicy.connect is invalid/,
    );
    expect(() => encodeConfig({ ...DEFAULT_CONFIG, untaggedListenerPolicy: "ask" as "allow" })).toThrow(/got "ask"/);
  });

  it("names a kernel value it cannot decode", () => {
    const key = encodeVerdictKey(EXACT_V6);
    key[16] = 99;
    expect(() => decodeVerdictKey(key)).toThrow(/op 99/);
    expect(() => decodeVerdictValue(Buffer.alloc(24))).toThrow(/none/);
  });
});
