import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { request, rule } from "../test/fixtures.js";
import { compileRules } from "./compile.js";
import { decide } from "./decide.js";
import { DnsNameMap, dnsAppKey, withHostNames } from "./dns-names.js";

const T0 = 1_700_000_000_000;
const curl = dnsAppKey({ uid: 1000, exeDev: 0x800001, exeIno: 1234 });
const other = dnsAppKey({ uid: 1000, exeDev: 0x800001, exeIno: 9999 });

describe("DnsNameMap", () => {
  it("names live exactly as long as their TTL (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 86_400 }), fc.integer({ min: 0, max: 2 * 86_400_000 }), (ttl, dt) => {
        const m = new DnsNameMap();
        m.observe(curl, "WWW.Example.org.", ["192.0.2.1"], ttl, T0);
        expect(m.namesFor(curl, "192.0.2.1", T0 + dt)).toEqual(dt < ttl * 1000 ? ["www.example.org"] : []);
      }),
    );
  });

  it("one application cannot label another's connections", () => {
    const m = new DnsNameMap();
    m.observe(other, "bank.example", ["192.0.2.66"], 300, T0);
    expect(m.namesFor(curl, "192.0.2.66", T0)).toEqual([]);
    expect(m.namesFor(other, "192.0.2.66", T0)).toEqual(["bank.example"]);
    // ...and so a rule about bank.example does not apply to curl's connection there.
    const c = compileRules([rule({ remoteHost: ["*.bank.example"] }, { id: "bank" })]);
    const req = withHostNames(request({ remote: { address: "192.0.2.66", port: 443 } }), m, T0);
    expect(decide(req, c, T0).ruleId).toBeNull();
  });

  it("an A answer is found by the v4-mapped spelling too, and several names can share an address", () => {
    const m = new DnsNameMap();
    m.observe(curl, "a.example.org", ["192.0.2.1", "2001:db8::1"], 60, T0);
    m.observe(curl, "b.example.org", ["192.0.2.1"], 60, T0);
    expect(m.namesFor(curl, "::ffff:192.0.2.1", T0).sort()).toEqual(["a.example.org", "b.example.org"]);
    expect(m.namesFor(curl, "2001:db8:0:0::1", T0)).toEqual(["a.example.org"]);
  });

  it("a domain rule matches what the application resolved", () => {
    const m = new DnsNameMap();
    m.observe(curl, "cdn.example.org", ["192.0.2.1"], 60, T0);
    const c = compileRules([rule({ remoteHost: ["*.example.org"] }, { id: "d" })]);
    expect(decide(withHostNames(request({ remote: { address: "192.0.2.1", port: 443 } }), m, T0), c, T0).ruleId).toBe("d");
    expect(decide(withHostNames(request({ remote: { address: "192.0.2.1", port: 443 } }), m, T0 + 60_000), c, T0).ruleId).toBeNull();
  });

  it("ignores what is not a name or has no lifetime; bounds memory per application", () => {
    const m = new DnsNameMap({ maxAddressesPerApp: 2 });
    expect(m.observe(curl, "not a name", ["192.0.2.1"], 60, T0)).toBe(false);
    expect(m.observe(curl, "x.org", ["192.0.2.1"], 0, T0)).toBe(false);
    m.observe(curl, "x.org", ["192.0.2.1", "192.0.2.2", "192.0.2.3"], 60, T0);
    expect(m.namesFor(curl, "192.0.2.1", T0)).toEqual([]);
    expect(m.namesFor(curl, "192.0.2.3", T0)).toEqual(["x.org"]);
  });
});
