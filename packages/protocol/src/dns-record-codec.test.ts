import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "./errors.js";
import { decode, encode, encodingLength, type DnsRecord } from "./dns-record-codec.js";
import { decode as decodeEvent } from "./event-codec.js";
import { hexToBytes, parseHexVector } from "../test/golden-files.js";

const DIR = fileURLToPath(new URL("../vectors/dns/", import.meta.url));

function load(name: string): { bytes: Uint8Array; record: DnsRecord } {
  const bytes = parseHexVector(readFileSync(`${DIR}${name}.txt`, "utf8"), name);
  const json = JSON.parse(readFileSync(`${DIR}${name}.json`, "utf8")) as Record<string, unknown>;
  for (const f of ["cookie", "exeIno", "ktime"]) json[f] = BigInt(json[f] as string);
  json.payload = hexToBytes(json.payload as string);
  return { bytes, record: json as unknown as DnsRecord };
}

describe("DNS record codec", () => {
  const { bytes, record } = load("udp-answer");

  it("decodes the golden record and encodes it byte for byte", () => {
    expect(decode(bytes)).toEqual(record);
    const out = encode(record);
    expect(Buffer.from(out).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
    expect(encodingLength(record)).toBe(bytes.length);
  });

  it("every truncated prefix throws SG_ERR_TRUNCATED", () => {
    for (let n = 0; n < bytes.length; n++) {
      let err: unknown;
      try {
        decode(bytes.subarray(0, n));
      } catch (e) {
        err = e;
      }
      expect(isSockgateError(err, "SG_ERR_TRUNCATED"), `prefix ${n}`).toBe(true);
    }
  });

  it("is not an event record, and an event decoder says so", () => {
    expect(() => decodeEvent(bytes)).toThrow(/event record has message type 2: expected 1 \(SG_MSG_EVENT\)/);
  });

  it("refuses a payload over DNS_MAX, naming the field", () => {
    expect(() => encode({ ...record, payload: new Uint8Array(1537) })).toThrow(/DNS field payload: expected at most 1536 bytes/);
  });

  it("round-trips any record", () => {
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    fc.assert(
      fc.property(
        fc.record({ uid: u32, tgid: u32, tcpSeq: u32, cookie: u64, exeIno: u64, ktime: u64, localPort: fc.integer({ min: 0, max: 65535 }), payload: fc.uint8Array({ maxLength: 1536 }) }),
        (v) => {
          const r: DnsRecord = { ...record, ...v, proto: "tcp" };
          expect(decode(encode(r))).toEqual(r);
        },
      ),
    );
  });

  it("random bytes decode or throw a SockgateError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decode(b);
        } catch (err) {
          if (!isSockgateError(err)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
