import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { addressWords } from "./match-address.js";
import { parseList } from "./lists.js";

describe("lists", () => {
  it("hosts format: exact names, boilerplate and comments skipped", () => {
    const l = parseList("h", "# comment\n127.0.0.1 localhost\n0.0.0.0 ads.example.com tracker.example.net # inline\n::1 ip6-localhost\n", "hosts");
    expect(l.size).toBe(2);
    expect(l.hasName("ads.example.com")).toBe(true);
    expect(l.hasName("x.ads.example.com")).toBe(false);
    expect(l.hasName("localhost")).toBe(false);
  });

  it("domain format: the domain and every name below it", () => {
    const l = parseList("d", "example.org\n*.example.net\n", "domains");
    expect(l.hasName("example.org")).toBe(true);
    expect(l.hasName("a.b.example.org")).toBe(true);
    expect(l.hasName("a.example.net")).toBe(true);
    expect(l.hasName("notexample.org")).toBe(false);
  });

  it("domain lookups agree with a scan of every entry, whatever the entries' lengths (property)", () => {
    const label = fc.constantFrom("a", "b", "c", "org");
    const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((ls) => ls.join("."));
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 10 }), name, (entries, probe) => {
        const l = parseList("d", entries.join("\n"), "domains");
        const expected = entries.some((e) => probe === e || probe.endsWith(`.${e}`));
        expect(l.hasName(probe)).toBe(expected);
      }),
    );
  });

  it("CIDR format: binary search agrees with a linear scan, v4-mapped included (property)", () => {
    const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(v4, fc.integer({ min: 8, max: 32 })), { minLength: 1, maxLength: 30 }), fc.array(v4, { maxLength: 20 }), (nets, probes) => {
        const cidrs = nets.map(([[a, b, c], p]) => {
          const n = ((a << 24) | (b << 16) | (c << 8)) >>> 0;
          const masked = p === 0 ? 0 : (n & (0xffffffff << (32 - p))) >>> 0;
          return { text: `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${p}`, n: masked, p };
        });
        const l = parseList("c", cidrs.map((c) => c.text).join("\n"), "cidr");
        for (const [a, b, c] of probes) {
          const x = ((a << 24) | (b << 16) | (c << 8) | 7) >>> 0;
          const expected = cidrs.some(({ n, p }) => (p === 0 ? true : ((x & (0xffffffff << (32 - p))) >>> 0) === n));
          const text = `${a}.${b}.${c}.7`;
          expect(l.hasAddress(addressWords(text))).toBe(expected);
          expect(l.hasAddress(addressWords(`::ffff:${text}`))).toBe(expected);
        }
      }),
    );
  });

  it("merges overlapping and adjacent ranges", () => {
    const l = parseList("c", "10.0.0.0/25\n10.0.0.128/25\n10.0.0.0/24\n2001:db8::/32\n2001:db8:8000::/33\n", "cidr");
    expect(l.hasAddressText("10.0.0.255")).toBe(true);
    expect(l.hasAddressText("10.0.1.0")).toBe(false);
    expect(l.hasAddressText("2001:db8:ffff::1")).toBe(true);
    expect(l.hasAddressText("2001:db9::")).toBe(false);
  });

  it("a malformed line is refused with its number, or skipped and counted when not strict", () => {
    const text = "example.org\nnot a domain\n";
    let err: unknown;
    try {
      parseList("ads", text, "domains");
    } catch (e) {
      err = e;
    }
    expect(isSockgateError(err, "SG_ERR_LIST_INVALID")).toBe(true);
    expect((err as Error).message).toBe('list "ads" line 2: expected a domain such as "example.org" or "*.example.org"; received "not a domain"');
    expect(parseList("ads", text, "domains", { strict: false }).skipped).toBe(1);
    expect(() => parseList("c", "10.0.0.1/8\n", "cidr")).toThrow(/line 1: expected an IPv4\/IPv6 address or CIDR/);
    expect(() => parseList("h", "ads.example.com\n", "hosts")).toThrow(/line 1: expected a hosts-file line/);
  });
});
