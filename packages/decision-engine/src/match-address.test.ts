import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSockgateError, parseAddress } from "@sockgate/protocol";
import { addressKey, addressWords, cidrContains, parseCidr } from "./match-address.js";

const v4Text = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join(".");
const v6Text = (groups: number[]): string => groups.map((g) => g.toString(16)).join(":");
const v6Big = (groups: number[]): bigint => groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
const maskBig = (bits: number, width: number): bigint => (bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits));

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const groups = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });

describe("address parsing", () => {
  it("the dotted-quad fast path agrees with @sockgate/protocol's parser on quad-like text (property)", () => {
    const part = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 255 }).map(String), weight: 12 },
      { arbitrary: fc.integer({ min: 256, max: 1000 }).map(String), weight: 1 },
      { arbitrary: fc.constantFrom("00", "01", "007", "", "1a", "-1", " 1"), weight: 1 },
    );
    const text = fc.oneof(
      { arbitrary: fc.array(part, { minLength: 4, maxLength: 4 }).map((ps) => ps.join(".")), weight: 6 },
      { arbitrary: fc.array(part, { minLength: 1, maxLength: 6 }).map((ps) => ps.join(".")), weight: 2 },
      { arbitrary: fc.string({ maxLength: 16 }), weight: 1 },
    );
    fc.assert(
      fc.property(text, (t) => {
        let expected: number[] | string;
        try {
          const b = parseAddress(t);
          expected = [0, 4, 8, 12].map((i) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0);
        } catch (e) {
          expected = (e as { code: string }).code;
        }
        let actual: number[] | string;
        try {
          actual = [...addressWords(t)];
        } catch (e) {
          actual = (e as { code: string }).code;
        }
        expect(actual).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("CIDR matching", () => {
  it("IPv4 matches a bigint reference", () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: 32 }), (net, addr, prefix) => {
        const m = maskBig(prefix, 32);
        const netMasked = Number(BigInt(net) & m);
        const expected = (BigInt(addr) & m) === BigInt(netMasked);
        expect(cidrContains(parseCidr(`${v4Text(netMasked)}/${prefix}`), addressWords(v4Text(addr)))).toBe(expected);
      }),
    );
  });

  it("IPv6 matches a bigint reference", () => {
    fc.assert(
      fc.property(groups, groups, fc.integer({ min: 0, max: 128 }), (net, addr, prefix) => {
        const m = maskBig(prefix, 128);
        const netMasked = v6Big(net) & m;
        const netGroups = Array.from({ length: 8 }, (_, i) => Number((netMasked >> BigInt(112 - 16 * i)) & 0xffffn));
        const expected = (v6Big(addr) & m) === netMasked;
        expect(cidrContains(parseCidr(`${v6Text(netGroups)}/${prefix}`), addressWords(v6Text(addr)))).toBe(expected);
      }),
    );
  });

  it("an IPv4 address and its v4-mapped IPv6 spelling match the same CIDRs, in either spelling", () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: 32 }), (net, addr, prefix) => {
        const netMasked = Number(BigInt(net) & maskBig(prefix, 32));
        const v4Cidr = parseCidr(`${v4Text(netMasked)}/${prefix}`);
        const mappedCidr = parseCidr(`::ffff:${v4Text(netMasked)}/${96 + prefix}`);
        const plain = addressWords(v4Text(addr));
        const mapped = addressWords(`::ffff:${v4Text(addr)}`);
        expect(addressKey(plain)).toBe(addressKey(mapped));
        const r = cidrContains(v4Cidr, plain);
        expect(cidrContains(v4Cidr, mapped)).toBe(r);
        expect(cidrContains(mappedCidr, plain)).toBe(r);
        expect(cidrContains(mappedCidr, mapped)).toBe(r);
      }),
    );
  });

  it("an IPv4 CIDR never contains a native IPv6 address", () => {
    fc.assert(
      fc.property(groups, fc.integer({ min: 0, max: 32 }), (addr, prefix) => {
        fc.pre(!(addr.slice(0, 5).every((g) => g === 0) && addr[5] === 0xffff));
        expect(cidrContains(parseCidr(`0.0.0.0/${prefix}`), addressWords(v6Text(addr)))).toBe(false);
      }),
    );
  });

  it("refuses host bits, bad prefixes and bad addresses with SG_ERR_BAD_ADDRESS", () => {
    const cases: Array<[string, RegExp]> = [
      ["10.0.0.1/8", /bits set after its \/8 prefix/],
      ["10.0.0.0/33", /expected an integer 0-32/],
      ["2001:db8::/129", /expected an integer 0-128/],
      ["10.0.0.0/08", /expected an integer/],
      ["300.1.1.1", /is not valid/],
      ["example.org", /is not valid/],
    ];
    for (const [text, message] of cases) {
      let err: unknown;
      try {
        parseCidr(text);
      } catch (e) {
        err = e;
      }
      expect(isSockgateError(err, "SG_ERR_BAD_ADDRESS"), text).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });

  it("a bare address is a host route", () => {
    expect(parseCidr("192.0.2.1").prefix).toBe(128);
    expect(parseCidr("2001:db8::1").prefix).toBe(128);
  });
});
