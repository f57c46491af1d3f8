import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { domainSuffixes, inDomain, normalizeHostName, parseHostPattern, registrableDomain } from "./match-domain.js";

const label = fc.stringMatching(/^[a-z0-9]{1,10}$/);
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((ls) => ls.join("."));

describe("domain wildcards", () => {
  it("*.D matches D and every name under D, and nothing else", () => {
    fc.assert(
      fc.property(name, name, fc.array(label, { maxLength: 3 }), (domain, other, prefix) => {
        const sub = [...prefix, domain].join(".");
        const p = parseHostPattern(`*.${domain}`);
        expect(p).toEqual({ kind: "domain", domain });
        expect(inDomain(sub, domain)).toBe(true);
        const expected = other === domain || other.endsWith(`.${domain}`);
        expect(inDomain(other, domain)).toBe(expected);
      }),
    );
  });

  it("a label boundary is required: notexample.org is not under example.org", () => {
    expect(inDomain("notexample.org", "example.org")).toBe(false);
    expect(inDomain("a.example.org", "example.org")).toBe(true);
  });

  it("names compare without case and trailing dot", () => {
    fc.assert(
      fc.property(name, (n) => {
        expect(normalizeHostName(`${n.toUpperCase()}.`)).toBe(n);
      }),
    );
  });

  it("refuses what is not a name", () => {
    for (const bad of ["", ".", "a..b", "-a.org", "a-.org", "a b.org", "*.", "x".repeat(64) + ".org"]) {
      expect(parseHostPattern(bad), bad).toBeUndefined();
    }
    expect(parseHostPattern("*.*.org")).toBeUndefined();
  });

  it("suffixes go from the name to the top label", () => {
    expect(domainSuffixes("a.b.example.org")).toEqual(["a.b.example.org", "b.example.org", "example.org", "org"]);
  });

  // The Public Suffix List, private section included: alice.github.io is a registrable
  // domain of its own, and github.io or co.uk have none (they are suffixes).
  it("the registrable domain is found by the Public Suffix List, never a public suffix", () => {
    const cases: Array<[string, string | undefined]> = [
      ["www.example.org", "example.org"],
      ["example.org", "example.org"],
      ["a.b.example.co.uk", "example.co.uk"],
      ["alice.github.io", "alice.github.io"],
      ["www.alice.github.io", "alice.github.io"],
      ["github.io", undefined],
      ["co.uk", undefined],
      ["localhost", undefined],
    ];
    for (const [n, d] of cases) expect(registrableDomain(n), n).toBe(d);
  });
});
