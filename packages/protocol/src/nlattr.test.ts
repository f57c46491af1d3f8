import { describe, expect, it } from "vitest";
import { SockgateError } from "./errors.js";
import { AttributeDecoder, AttributeEncoder, attributeLength, nlaAlign } from "./nlattr.js";

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

function collect(buf: Uint8Array, start = 0, end = buf.length) {
  const ad = new AttributeDecoder(buf, start, end);
  const seen: { type: number; offset: number; data: number[] }[] = [];
  while (ad.next()) seen.push({ type: ad.type, offset: ad.offset, data: [...ad.data()] });
  return { seen, error: ad.error };
}

describe("nlaAlign / attributeLength", () => {
  it("rounds up to 4 and counts the header", () => {
    expect([0, 1, 3, 4, 5, 8].map(nlaAlign)).toEqual([0, 4, 4, 4, 8, 8]);
    expect([0, 1, 4, 5, 16].map(attributeLength)).toEqual([4, 8, 8, 12, 20]);
  });
});

describe("AttributeEncoder", () => {
  it("writes headers little-endian, payloads, and zeroed padding over dirty bytes", () => {
    const buf = new Uint8Array(44).fill(0xff);
    const enc = new AttributeEncoder(buf, 0);
    enc.u32(1, 0x04030201);
    enc.u64(2, 0x1122334455667788n);
    enc.bytes(0x1234, bytes(0xaa, 0xbb, 0xcc));
    enc.bytes(5, bytes(0x61, 0x62), 6);
    expect(enc.offset).toBe(40);
    expect([...buf.subarray(0, enc.offset)]).toEqual([
      8, 0, 1, 0, 1, 2, 3, 4,
      12, 0, 2, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
      7, 0, 0x34, 0x12, 0xaa, 0xbb, 0xcc, 0,
      10, 0, 5, 0, 0x61, 0x62, 0, 0, 0, 0, 0, 0,
    ]);
    expect(buf[40]).toBe(0xff);
  });

  it("refuses to write past the buffer and leaves the offset alone", () => {
    const enc = new AttributeEncoder(new Uint8Array(10), 4);
    expect(() => enc.u32(1, 1)).toThrow(/attribute type 1 needs 8 bytes at offset 4, buffer holds 10/);
    expect(enc.offset).toBe(4);
  });

  it("refuses types and payloads nla_len cannot hold", () => {
    const enc = new AttributeEncoder(new Uint8Array(70000));
    expect(() => enc.u32(65536, 1)).toThrow(SockgateError);
    expect(() => enc.bytes(1, new Uint8Array(65532))).toThrow(/at most 65531 fit/);
  });
});

describe("AttributeDecoder", () => {
  it("iterates attributes and skips padding", () => {
    const buf = bytes(5, 0, 9, 0, 0x41, 0, 0, 0, 8, 0, 3, 0, 1, 0, 0, 0, 4, 0, 7, 0);
    expect(collect(buf)).toEqual({
      seen: [
        { type: 9, offset: 0, data: [0x41] },
        { type: 3, offset: 8, data: [1, 0, 0, 0] },
        { type: 7, offset: 16, data: [] },
      ],
      error: null,
    });
  });

  it("accepts a last attribute whose padding the end cuts off", () => {
    expect(collect(bytes(5, 0, 9, 0, 0x41)).seen).toEqual([{ type: 9, offset: 0, data: [0x41] }]);
  });

  it("reads between start and end only", () => {
    const buf = bytes(0xee, 0xee, 8, 0, 1, 0, 9, 9, 9, 9, 0xee);
    expect(collect(buf, 2, 10).seen).toEqual([{ type: 1, offset: 2, data: [9, 9, 9, 9] }]);
  });

  it.each([
    ["a header cut short", bytes(8, 0, 1, 0, 1, 0, 0, 0, 4, 0), "SG_ERR_TRUNCATED", /header truncated at offset 8: needs 4 bytes, 2 left/],
    ["nla_len below 4", bytes(2, 0, 1, 0), "SG_ERR_BAD_ATTR_LEN", /nla_len 2: expected at least 4/],
    ["nla_len past the end", bytes(12, 0, 1, 0, 0, 0, 0, 0), "SG_ERR_TRUNCATED", /nla_len says 12 bytes, 8 left/],
  ])("stops with a sticky error on %s", (_, buf, code, message) => {
    const ad = new AttributeDecoder(buf);
    let n = 0;
    while (ad.next()) n++;
    expect(ad.error?.code).toBe(code);
    expect(ad.error?.message).toMatch(message);
    expect(ad.next()).toBe(false);
    expect(n).toBeLessThanOrEqual(1);
  });

  it("typed reads of the wrong size set the sticky error and return zero", () => {
    const ad = new AttributeDecoder(bytes(6, 0, 1, 0, 1, 2, 0, 0, 8, 0, 2, 0, 1, 0, 0, 0));
    expect(ad.next()).toBe(true);
    expect(ad.u32()).toBe(0);
    expect(ad.error?.code).toBe("SG_ERR_BAD_ATTR_LEN");
    expect(ad.error?.message).toMatch(/type 1 \(u32\) at offset 0 has nla_len 6: expected 8/);
    expect(ad.next()).toBe(false);
  });

  it("keeps the first error when several are reported", () => {
    const ad = new AttributeDecoder(bytes(8, 0, 1, 0, 0, 0, 0, 0));
    ad.next();
    ad.u64();
    ad.fixed(16, "address");
    expect(ad.error?.message).toMatch(/\(u64\)/);
  });

  it("reads u64 low half first", () => {
    const buf = new Uint8Array(12);
    new AttributeEncoder(buf).u64(3, 0xfedcba9876543210n);
    const ad = new AttributeDecoder(buf);
    ad.next();
    expect(ad.u64()).toBe(0xfedcba9876543210n);
    expect([...buf.subarray(4, 8)]).toEqual([0x10, 0x32, 0x54, 0x76]);
  });
});
