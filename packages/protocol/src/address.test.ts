import fc from "fast-check";
import { isIP } from "node:net";
import { describe, expect, it } from "vitest";
import { formatAddress, isV4Mapped, parseAddress } from "./address.js";

const canon = (text: string): string => formatAddress(parseAddress(text));

describe("parseAddress + formatAddress (RFC 5952)", () => {
  it.each([
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // longest run, first on a tie
    ["2001:0db8::0001", "2001:db8::1"], // leading zeros dropped
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group stays
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longer run wins
    ["2001:DB8::ABCD", "2001:db8::abcd"], // lowercase
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["fe80::1:0:0:0", "fe80::1:0:0:0"], // tie: first run
    ["192.0.2.1", "::ffff:192.0.2.1"], // IPv4 becomes v4-mapped
    ["0.0.0.0", "::ffff:0.0.0.0"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["::FFFF:C000:0201", "::ffff:192.0.2.1"],
    ["0:0:0:0:0:ffff:198.51.100.7", "::ffff:198.51.100.7"],
    ["::1.2.3.4", "::102:304"], // deprecated IPv4-compatible form is plain hex
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ])("%s -> %s", (text, expected) => {
    expect(canon(text)).toBe(expected);
  });

  it.each([
    "",
    " ::1",
    "1.2.3",
    "1.2.3.4.5",
    "1.2.3.256",
    "01.2.3.4",
    "1.2.3.-1",
    "1::2::3",
    ":::",
    "12345::",
    "g::1",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    ":1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    "fe80::1%eth0",
    "[::1]",
    "::ffff:1.2.3",
    "1.2.3.4::",
    "::1.2.3.4:5",
  ])("refuses %j with SG_ERR_BAD_ADDRESS", (text) => {
    expect(() => parseAddress(text)).toThrow(expect.objectContaining({ code: "SG_ERR_BAD_ADDRESS", message: expect.stringContaining(JSON.stringify(text)) }));
  });

  it("refuses byte strings that are not 16 long", () => {
    expect(() => formatAddress(new Uint8Array(4))).toThrow(expect.objectContaining({ code: "SG_ERR_BAD_ADDRESS" }));
  });

  it("agrees with node:net on what is an address", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })), (text) => {
        let ok = true;
        try {
          parseAddress(text);
        } catch {
          ok = false;
        }
        // node:net accepts zone ids (fe80::1%eth0); addresses in sockgate have none.
        if (!text.includes("%")) expect(ok).toBe(isIP(text) !== 0);
      }),
      { numRuns: 2000 },
    );
  });

  it("formats like the WHATWG URL serializer (RFC 5952) and parses its own output back", () => {
    const sparse = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(sparse, (groups) => {
        const b = new Uint8Array(16);
        groups.forEach((g, i) => {
          b[2 * i] = g >> 8;
          b[2 * i + 1] = g & 0xff;
        });
        const text = formatAddress(b);
        expect(parseAddress(text)).toEqual(b);
        if (!isV4Mapped(b)) expect(text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
        else expect(text).toMatch(/^::ffff:\d+\.\d+\.\d+\.\d+$/);
      }),
      { numRuns: 5000 },
    );
  });
});
