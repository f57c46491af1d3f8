import { describe, expect, it } from "vitest";
import { loadVector, vectorNames, type GoldenVector } from "../test/golden-files.js";
import { Attr, SIZEOF } from "./abi.js";
import { ERROR_CODES, SockgateError, type SockgateErrorCode } from "./errors.js";
import { decode, encode, encodingLength, verdictOf, type ShimEvent } from "./event-codec.js";
import { nlaAlign } from "./nlattr.js";

const REQUIRED_VECTORS = [
  "ipv4-connect-deny",
  "ipv6-bind-unknown",
  "v4mapped-send",
  "unknown-attr",
  "long-path-truncated",
  "no-exe-socket",
];
const vectors: GoldenVector[] = vectorNames().map(loadVector);
const byName = (name: string): GoldenVector => {
  const v = vectors.find((x) => x.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return v;
};

/** Runs fn and returns the SockgateError it throws; fails the test on anything else. */
function sockgateErrorOf(fn: () => unknown): SockgateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SockgateError) return err;
    throw new Error(`expected a SockgateError, got ${String(err)}`, { cause: err });
  }
  throw new Error("expected a SockgateError, nothing was thrown");
}

function expectCode(fn: () => unknown, code: SockgateErrorCode, message?: RegExp): SockgateError {
  const err = sockgateErrorOf(fn);
  expect(err.code).toBe(code);
  if (message) expect(err.message).toMatch(message);
  return err;
}

/** Offset of the first attribute of `type` in a record (walked independently of the codec). */
function attrAt(bytes: Uint8Array, type: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 4 <= bytes.length; at += nlaAlign(dv.getUint16(at, true))) {
    if (dv.getUint16(at + 2, true) === type) return at;
  }
  throw new Error(`attribute ${type} not found`);
}

function patched(bytes: Uint8Array, edit: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const b = bytes.slice();
  edit(new DataView(b.buffer), b);
  return b;
}

/** Copy of bytes with [at, at+len) removed and hdr.len fixed up. */
function without(bytes: Uint8Array, at: number, len: number): Uint8Array {
  const b = new Uint8Array(bytes.length - len);
  b.set(bytes.subarray(0, at));
  b.set(bytes.subarray(at + len), at);
  new DataView(b.buffer).setUint32(0, b.length, true);
  return b;
}

/** Copy of bytes with `insert` placed at `at` and hdr.len fixed up. */
function withInserted(bytes: Uint8Array, at: number, insert: number[]): Uint8Array {
  const b = new Uint8Array(bytes.length + insert.length);
  b.set(bytes.subarray(0, at));
  b.set(insert, at);
  b.set(bytes.subarray(at), at + insert.length);
  new DataView(b.buffer).setUint32(0, b.length, true);
  return b;
}

describe("golden vectors", () => {
  it("has every vector the protocol promises", () => {
    expect(vectors.map((v) => v.name)).toEqual(expect.arrayContaining(REQUIRED_VECTORS));
  });

  describe.each(vectors)("$name", ({ bytes, event }) => {
    it("decodes to the JSON twin", () => {
      expect(decode(bytes)).toEqual(event);
      expect(decode.bytes).toBe(bytes.length);
    });

    it("encodes the JSON twin to the golden bytes", () => {
      expect(encodingLength(event)).toBe(bytes.length);
      expect(encode(event)).toEqual(bytes);
      expect(encode.bytes).toBe(bytes.length);
    });

    it("round-trips at an offset in a dirty buffer", () => {
      const buf = new Uint8Array(bytes.length + 13).fill(0xee);
      expect(encode(event, buf, 5)).toBe(buf);
      expect(buf.subarray(5, 5 + bytes.length)).toEqual(bytes);
      expect(buf[4]).toBe(0xee);
      expect(buf[5 + bytes.length]).toBe(0xee);
      expect(decode(buf, 5)).toEqual(event);
    });

    it("ignores bytes after hdr.len, as in a fixed-size ring-buffer slot", () => {
      const slot = new Uint8Array(SIZEOF.event + 64).fill(0xaa);
      slot.set(bytes);
      expect(decode(slot)).toEqual(event);
      expect(decode.bytes).toBe(bytes.length);
    });

    it("throws SG_ERR_TRUNCATED for every truncated prefix", () => {
      for (let n = 0; n < bytes.length; n++) {
        const expected = n < 8 ? /header needs 8 bytes, buffer holds/ : new RegExp(`header says ${bytes.length} bytes, buffer holds ${n}$`);
        expectCode(() => decode(bytes.subarray(0, n)), "SG_ERR_TRUNCATED", expected);
      }
    });
  });

  it("verdictOf reads the verdict alone: the decoded one, also at an offset and in a ring-buffer slot", () => {
    for (const { bytes, event } of vectors) {
      expect(verdictOf(bytes)).toBe(event.verdict);
      const buf = new Uint8Array(bytes.length + 9).fill(0xee);
      buf.set(bytes, 9);
      expect(verdictOf(buf, 9)).toBe(event.verdict);
      const slot = new Uint8Array(SIZEOF.event + 64).fill(0xaa);
      slot.set(bytes);
      expect(verdictOf(slot)).toBe(event.verdict);
    }
  });

  it("verdictOf says nothing for a record without a readable, known verdict", () => {
    const { bytes } = byName("ipv4-connect-deny");
    const at = attrAt(bytes, Attr.VERDICT);
    for (let n = 0; n < at + 8; n++) expect(verdictOf(bytes.subarray(0, n)), `a ${n}-byte prefix`).toBeUndefined();
    expect(verdictOf(without(bytes, at, 8)), "no verdict attribute").toBeUndefined();
    expect(verdictOf(patched(bytes, (dv) => dv.setUint32(at + 4, 99, true))), "a verdict this version does not know").toBeUndefined();
    expect(verdictOf(patched(bytes, (dv) => dv.setUint16(8, 2, true))), "a malformed attribute before it").toBeUndefined();
  });

  it("the long-path vector fills struct sg_event exactly", () => {
    expect(byName("long-path-truncated").bytes.length).toBe(SIZEOF.event);
  });
});

describe("truncated records whose header agrees with the cut", () => {
  // Cutting only the last attribute's padding still leaves a whole record; any shorter
  // cut must fail with a named error, never a RangeError or a half-filled event.
  const named = new Set<string>(ERROR_CODES);
  describe.each(vectors.filter((v) => v.event.unknown.length === 0))("$name", ({ bytes, event }) => {
    it("fails below the last attribute's end and decodes from there", () => {
      const pathAt = attrAt(bytes, Attr.EXE_PATH);
      const pathLen = new DataView(bytes.buffer, bytes.byteOffset).getUint16(pathAt, true);
      const minimal = pathAt + pathLen;
      for (let n = 0; n < bytes.length; n++) {
        const cut = patched(bytes.subarray(0, n), (dv) => n >= 4 && dv.setUint32(0, n, true));
        if (n < minimal) {
          const err = sockgateErrorOf(() => decode(cut));
          expect(named.has(err.code)).toBe(true);
          expect(["SG_ERR_TRUNCATED", "SG_ERR_BAD_LENGTH", "SG_ERR_MISSING_ATTR"]).toContain(err.code);
        } else {
          expect(decode(cut)).toEqual(event);
        }
      }
    });
  });
});

describe("malformed records, one named error each", () => {
  const ipv4 = byName("ipv4-connect-deny");
  const b = ipv4.bytes;
  const u16 = (at: number, v: number) => (dv: DataView) => dv.setUint16(at, v, true);
  const u32 = (at: number, v: number) => (dv: DataView) => dv.setUint32(at, v, true);

  it("header length below the header", () => {
    expectCode(() => decode(patched(b, u32(0, 7))), "SG_ERR_BAD_LENGTH", /header says 7 bytes: expected at least 8/);
  });
  it("version 0", () => {
    expectCode(() => decode(patched(b, u16(4, 0))), "SG_ERR_BAD_VERSION", /version 0 is invalid/);
  });
  it("wrong message type", () => {
    expectCode(() => decode(patched(b, u16(6, 2))), "SG_ERR_BAD_MSG_TYPE", /message type 2: expected 1/);
  });
  it("nla_len below the attribute header", () => {
    expectCode(() => decode(patched(b, u16(8, 3))), "SG_ERR_BAD_ATTR_LEN", /nla_len 3: expected at least 4/);
  });
  it("nla_len running past hdr.len", () => {
    const at = attrAt(b, Attr.EXE_PATH);
    expectCode(() => decode(patched(b, u16(at, 200))), "SG_ERR_TRUNCATED", /nla_len says 200 bytes, 20 left/);
  });
  it("u32 attribute with a 2-byte payload", () => {
    const at = attrAt(b, Attr.TAG);
    expectCode(() => decode(patched(b, u16(at, 6))), "SG_ERR_BAD_ATTR_LEN", /type 7 \(u32\).*nla_len 6: expected 8/);
  });
  it("address attribute holding 4 bytes", () => {
    const at = attrAt(b, Attr.REMOTE_ADDR);
    const cut = without(b, at + 8, 12);
    new DataView(cut.buffer).setUint16(at, 8, true);
    expectCode(() => decode(cut), "SG_ERR_BAD_ATTR_LEN", /nla_len 8: expected 20/);
  });
  it("missing required attribute", () => {
    const at = attrAt(b, Attr.REMOTE_PORT);
    expectCode(() => decode(without(b, at, 8)), "SG_ERR_MISSING_ATTR", /lacks attribute REMOTE_PORT \(21\)/);
  });
  it("duplicated known attribute", () => {
    const at = attrAt(b, Attr.TAG);
    const dup = withInserted(b, at, Array.from(b.subarray(at, at + 8)));
    expectCode(() => decode(dup), "SG_ERR_DUPLICATE_ATTR", /TAG \(7\) twice/);
  });
  it.each([
    ["op", Attr.OP, 7, /field op: expected a value in 0,1,2,3,4,5,6, got 7/],
    ["proto", Attr.PROTO, 6, /field proto/],
    ["hook", Attr.HOOK, 15, /field hook/],
    ["verdict", Attr.VERDICT, 4, /field verdict/],
    ["reason 0 (unused slot)", Attr.REASON, 0, /field reason: expected a value in 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16, got 0/],
    ["family", Attr.FAMILY, 3, /field family: expected 2 \(AF_INET\) or 10 \(AF_INET6\), got 3/],
  ])("out-of-range enum: %s", (_, type, value, message) => {
    expectCode(() => decode(patched(b, u32(attrAt(b, type) + 4, value))), "SG_ERR_BAD_ENUM", message);
  });
  it("port above 65535", () => {
    const at = attrAt(b, Attr.REMOTE_PORT);
    expectCode(() => decode(patched(b, u32(at + 4, 65536))), "SG_ERR_BAD_VALUE", /remotePort: expected at most 65535, got 65536/);
  });
  it("exe dev above 32 bits (the kernel's dev_t is 32 bits: exeDev is a number)", () => {
    const at = attrAt(b, Attr.EXE_DEV);
    expectCode(() => decode(patched(b, u32(at + 8, 1))), "SG_ERR_BAD_VALUE", /exeDev: expected at most 4294967295 .*got 4303355905n/);
  });
  it("comm without a NUL", () => {
    const at = attrAt(b, Attr.COMM);
    const noNul = patched(b, (_, bytes) => bytes.fill(0x41, at + 4, at + 20));
    expectCode(() => decode(noNul), "SG_ERR_BAD_STRING", /comm .*no NUL/);
  });
  it("exe path whose NUL is not the last byte", () => {
    const at = attrAt(b, Attr.EXE_PATH);
    expectCode(() => decode(patched(b, (_, bytes) => (bytes[at + 8] = 0))), "SG_ERR_BAD_STRING", /NUL as the last payload byte, found it at 4 of 14/);
  });
  it("exe path without a NUL", () => {
    const at = attrAt(b, Attr.EXE_PATH);
    expectCode(() => decode(patched(b, (_, bytes) => (bytes[at + 17] = 0x41))), "SG_ERR_BAD_STRING", /no NUL/);
  });
  it("exe path longer than SG_PATH_MAX", () => {
    const long = byName("long-path-truncated").bytes;
    const at = attrAt(long, Attr.EXE_PATH);
    const grown = withInserted(long, at + 4, [0x41, 0x41, 0x41, 0x41]);
    new DataView(grown.buffer).setUint16(at, 264, true);
    expectCode(() => decode(grown), "SG_ERR_BAD_ATTR_LEN", /nla_len 264: expected at most 260/);
  });
  it("not a buffer", () => {
    expectCode(() => decode("abc" as unknown as Uint8Array), "SG_ERR_BAD_VALUE");
  });
});

describe("versioning", () => {
  it("decodes a higher version, keeping attributes it does not know in order met", () => {
    const { bytes, event } = byName("ipv4-connect-deny");
    const v9 = withInserted(patched(bytes, (dv) => dv.setUint16(4, 9, true)), 8, [7, 0, 200, 0, 0xca, 0xfe, 0xba, 0]);
    const got = decode(v9);
    expect(got).toEqual({ ...event, version: 9, unknown: [{ type: 200, data: Uint8Array.from([0xca, 0xfe, 0xba]) }] });
    // Re-encoding moves the unknown attribute after the known ones and loses nothing.
    expect(decode(encode(got))).toEqual(got);
  });

  it("returns unknown payloads as copies, not views of the input", () => {
    const { bytes } = byName("unknown-attr");
    const copy = bytes.slice();
    const got = decode(copy);
    copy.fill(0);
    expect(got.unknown[0]?.data).toEqual(Uint8Array.from([1, 2, 3, 4, 5]));
  });
});

describe("encode validation", () => {
  const base = byName("ipv4-connect-deny").event;
  const bad = (patch: Partial<Record<keyof ShimEvent, unknown>>): ShimEvent => ({ ...base, ...patch }) as ShimEvent;

  it.each([
    [{ op: "connct" }, "SG_ERR_BAD_ENUM", /field op: expected one of any, socket, bind, connect, listen, accept, send, got "connct"/],
    [{ reason: "invalid" }, "SG_ERR_BAD_ENUM", /field reason/],
    [{ family: 3 }, "SG_ERR_BAD_ENUM", /field family/],
    [{ version: 0 }, "SG_ERR_BAD_VERSION", /got 0/],
    [{ type: 2 }, "SG_ERR_BAD_MSG_TYPE", /got 2/],
    [{ pid: -1 }, "SG_ERR_BAD_VALUE", /field pid: expected an integer 0..4294967295, got -1/],
    [{ tag: 1.5 }, "SG_ERR_BAD_VALUE", /field tag/],
    [{ localPort: 65536 }, "SG_ERR_BAD_VALUE", /localPort/],
    [{ cookie: 1 }, "SG_ERR_BAD_VALUE", /cookie: expected a bigint/],
    [{ exeDev: 8388609n }, "SG_ERR_BAD_VALUE", /exeDev: expected an integer 0..4294967295, got 8388609n/],
    [{ exeDev: 2 ** 32 }, "SG_ERR_BAD_VALUE", /exeDev: expected an integer 0..4294967295/],
    [{ ktime: 1n << 64n }, "SG_ERR_BAD_VALUE", /ktime/],
    [{ comm: "sixteen-bytes-xx" }, "SG_ERR_BAD_VALUE", /comm: expected at most 15 UTF-8 bytes, not 16/],
    [{ comm: "a\0b" }, "SG_ERR_BAD_VALUE", /without NUL/],
    [{ exePath: "/" + "x".repeat(255) }, "SG_ERR_BAD_VALUE", /exePath: expected at most 255 UTF-8 bytes, not 256/],
    [{ remoteAddr: "192.0.2.300" }, "SG_ERR_BAD_ADDRESS", /"192.0.2.300"/],
    [{ unknown: [{ type: Attr.COMM, data: new Uint8Array(1) }] }, "SG_ERR_BAD_VALUE", /22 is COMM: set comm/],
    [{ unknown: [{ type: 70000, data: new Uint8Array(1) }] }, "SG_ERR_BAD_VALUE", /unknown\[0\].type/],
    [{ unknown: [{ type: 30, data: [1, 2] }] }, "SG_ERR_BAD_VALUE", /unknown\[0\]/],
  ] as const)("%o -> %s", (patch, code, message) => {
    expectCode(() => encode(bad(patch)), code, message);
    expectCode(() => encodingLength(bad(patch)), code, message);
  });

  it("refuses a buffer too small at the offset", () => {
    const n = encodingLength(base);
    expectCode(() => encode(base, new Uint8Array(n), 1), "SG_ERR_BUFFER_TOO_SMALL", new RegExp(`needs ${n} bytes at offset 1, buffer holds ${n}`));
  });

  it("accepts IPv4 text and decodes it back v4-mapped", () => {
    const got = decode(encode(bad({ remoteAddr: "192.0.2.10" })));
    expect(got.remoteAddr).toBe("::ffff:192.0.2.10");
    expect(encode(bad({ remoteAddr: "192.0.2.10" }))).toEqual(byName("ipv4-connect-deny").bytes);
  });
});
