import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "./errors.js";
import { decode, decodeAll, encode, encodingLength, type NfqMessage } from "./nfqueue-codec.js";
import { hexToBytes, parseHexVector } from "../test/golden-files.js";

const DIR = fileURLToPath(new URL("../vectors/nfqueue/", import.meta.url));
const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith(".txt"))
  .map((f) => f.slice(0, -4))
  .sort();

function load(name: string): { bytes: Uint8Array; message: NfqMessage } {
  const bytes = parseHexVector(readFileSync(`${DIR}${name}.txt`, "utf8"), name);
  const json = JSON.parse(readFileSync(`${DIR}${name}.json`, "utf8")) as Record<string, unknown>;
  if (typeof json.payload === "string") json.payload = hexToBytes(json.payload.replace(/\s+/g, ""));
  return { bytes, message: json as unknown as NfqMessage };
}

/** encode/decode/encodingLength agree with each other and with the bytes. */
function roundTrip(m: NfqMessage, bytes?: Uint8Array): void {
  const out = encode(m);
  expect(out.length).toBe(encodingLength(m));
  expect(encode.bytes).toBe(out.length);
  if (bytes) expect(Buffer.from(out).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
  expect(decode(out)).toEqual(m);
  // at an offset inside a larger buffer, padding zeroed
  const big = new Uint8Array(out.length + 9).fill(0xee);
  encode(m, big, 5);
  expect(decode(big, 5)).toEqual(m);
}

describe("nfqueue codec: golden vectors", () => {
  it("has the vectors the README lists", () => {
    expect(NAMES).toEqual(["ack-capped", "config-bind", "config-params", "done", "packet-ipv4-syn", "verdict-accept-mark", "verdict-batch-drop"]);
  });

  it.each(NAMES)("%s decodes to its JSON and encodes to its bytes", (name) => {
    const { bytes, message } = load(name);
    expect(decode(bytes)).toEqual(message);
    expect(decode.bytes).toBe(bytes.length);
    roundTrip(message, bytes);
  });

  it.each(NAMES)("%s: every truncated prefix throws a named SockgateError", (name) => {
    const { bytes } = load(name);
    for (let n = 0; n < bytes.length; n++) {
      let err: unknown;
      try {
        decode(bytes.subarray(0, n));
      } catch (e) {
        err = e;
      }
      expect(isSockgateError(err, "SG_ERR_TRUNCATED"), `prefix of ${n} bytes: ${String(err)}`).toBe(true);
    }
  });
});

describe("nfqueue codec: malformed input", () => {
  const bind = load("config-bind").bytes;
  const packet = load("packet-ipv4-syn").bytes;

  function mutate(src: Uint8Array, at: number, ...bytes: number[]): Uint8Array {
    const b = src.slice();
    b.set(bytes, at);
    return b;
  }

  it("a length below the header is SG_ERR_BAD_LENGTH", () => {
    expect(() => decode(mutate(bind, 0, 8, 0, 0, 0))).toThrow(expect.objectContaining({ code: "SG_ERR_BAD_LENGTH" }));
  });

  it("another subsystem is SG_ERR_BAD_MSG_TYPE", () => {
    expect(() => decode(mutate(bind, 4, 0x02, 0x01))).toThrow(/subsystem 3/);
  });

  it("an attribute shorter than its struct is SG_ERR_BAD_ATTR_LEN", () => {
    // NFQA_PACKET_HDR with nla_len 8: 4 payload bytes for a 7-byte struct
    const b = mutate(packet, 20, 0x08, 0x00);
    expect(() => decode(b)).toThrow(expect.objectContaining({ code: "SG_ERR_BAD_ATTR_LEN" }));
  });

  it("a packet without NFQA_PACKET_HDR is SG_ERR_MISSING_ATTR", () => {
    const b = mutate(packet, 22, 0x63, 0x00); // retype the header attribute as unknown 99
    expect(() => decode(b)).toThrow(expect.objectContaining({ code: "SG_ERR_MISSING_ATTR" }));
  });

  it("a repeated attribute is SG_ERR_DUPLICATE_ATTR", () => {
    const m = decode(packet) as Extract<NfqMessage, { kind: "packet" }>;
    const twice = encode({ ...m, unknown: [] });
    // turn NFQA_GID (17) into a second NFQA_UID (16)
    const at = Buffer.from(twice).indexOf(Buffer.from([0x08, 0x00, 0x11, 0x00]));
    expect(() => decode(mutate(twice, at + 2, 0x10))).toThrow(expect.objectContaining({ code: "SG_ERR_DUPLICATE_ATTR" }));
  });

  it("an unknown config command is SG_ERR_BAD_ENUM", () => {
    expect(() => decode(mutate(bind, 24, 9))).toThrow(expect.objectContaining({ code: "SG_ERR_BAD_ENUM" }));
  });

  it("a config with a mask and no flags is SG_ERR_MISSING_ATTR", () => {
    expect(() => encode({ kind: "config", seq: 1, queue: 1, flags: { mask: -1, value: 0 } })).toThrow(/flags mask/);
    const b = load("config-params").bytes;
    const cut = b.slice(0, b.length - 8);
    new DataView(cut.buffer).setUint32(0, cut.length, true);
    expect(() => decode(cut)).toThrow(expect.objectContaining({ code: "SG_ERR_MISSING_ATTR" }));
  });

  it("keeps unknown attributes, and refuses to encode a known one as unknown", () => {
    const m = decode(packet) as Extract<NfqMessage, { kind: "packet" }>;
    const withUnknown: NfqMessage = { ...m, unknown: [{ type: 22, data: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 7) }] };
    expect(decode(encode(withUnknown))).toEqual(withUnknown);
    expect(() => encode({ ...m, unknown: [{ type: 16, data: new Uint8Array(4) }] })).toThrow(/does not know/);
  });

  it("decodeAll splits a datagram of several messages", () => {
    const a = load("ack-capped").bytes;
    const d = load("done").bytes;
    const both = new Uint8Array(a.length + d.length);
    both.set(a);
    both.set(d, a.length);
    expect(decodeAll(both).map((m) => m.kind)).toEqual(["error", "done"]);
    expect(() => decodeAll(both.subarray(0, a.length + 5))).toThrow(expect.objectContaining({ code: "SG_ERR_TRUNCATED" }));
  });
});

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const verdictArb = fc.record(
  { kind: fc.constantFrom("verdict" as const, "verdict-batch" as const), seq: u32, nlFlags: fc.integer({ min: 0, max: 0xffff }), portId: u32, queue: fc.integer({ min: 0, max: 0xffff }), family: fc.integer({ min: 0, max: 255 }), verdict: u32, id: u32, mark: u32 },
  { requiredKeys: ["kind", "seq", "nlFlags", "portId", "queue", "family", "verdict", "id"] },
);
const packetArb = fc.record(
  {
    kind: fc.constant("packet" as const),
    seq: u32,
    nlFlags: fc.integer({ min: 0, max: 0xffff }),
    portId: u32,
    queue: fc.integer({ min: 0, max: 0xffff }),
    family: fc.integer({ min: 0, max: 255 }),
    id: u32,
    hwProtocol: fc.integer({ min: 0, max: 0xffff }),
    hook: fc.integer({ min: 0, max: 255 }),
    mark: u32,
    indev: u32,
    outdev: u32,
    payload: fc.uint8Array({ maxLength: 300 }),
    capLen: u32,
    skbInfo: u32,
    uid: u32,
    gid: u32,
    timestamp: fc.record({ sec: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), usec: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  },
  { requiredKeys: ["kind", "seq", "nlFlags", "portId", "queue", "family", "id", "hwProtocol", "hook"] },
);

describe("nfqueue codec: properties", () => {
  it("every verdict and packet round-trips", () => {
    fc.assert(fc.property(fc.oneof(verdictArb, packetArb), (m) => roundTrip(m as NfqMessage)));
  });

  it("random bytes decode or throw a SockgateError, never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        try {
          decodeAll(bytes);
        } catch (err) {
          if (!isSockgateError(err)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("decode -> encode -> decode is stable for every one-byte change of a golden packet", () => {
    const base = load("packet-ipv4-syn").bytes;
    let decoded = 0;
    for (let at = 16; at < base.length; at++) {
      for (let byte = 0; byte < 256; byte++) {
        const b = base.slice();
        b[at] = byte;
        let m: NfqMessage;
        try {
          m = decode(b);
        } catch (err) {
          if (!isSockgateError(err)) throw err;
          continue;
        }
        decoded++;
        expect(decode(encode(m)), `byte ${at} = ${byte}`).toEqual(m);
      }
    }
    expect(decoded).toBeGreaterThan(10_000);
  });
});
