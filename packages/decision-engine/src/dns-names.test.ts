import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { request, rule } from "../test/fixtures.js";
import { compileRules } from "./compile.js";
import { decide } from "./decide.js";
import type { DnsApp } from "./dns-names.js";
import { DnsNameMap, withHostNames } from "./dns-names.js";

const T0 = 1_700_000_000_000;
const curl: DnsApp = { uid: 1000, exeDev: 0x800001, exeIno: 1234 };
const other: DnsApp = { uid: 1000, exeDev: 0x800001, exeIno: 9999 };

describe("DnsNameMap", () => {
  it("names live exactly as long as their TTL (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 86_400 }), fc.integer({ min: 0, max: 2 * 86_400_000 }), (ttl, dt) => {
        const m = new DnsNameMap();
        m.observe(curl, { name: "WWW.Example.org.", addresses: ["192.0.2.1"], ttl: ttl }, T0);
        expect(m.namesFor(curl, "192.0.2.1", T0 + dt)).toEqual(dt < ttl * 1000 ? ["www.example.org"] : []);
      }),
    );
  });

  it("one application cannot label another's connections", () => {
    const m = new DnsNameMap();
    m.observe(other, { name: "bank.example", addresses: ["192.0.2.66"], ttl: 300 }, T0);
    expect(m.namesFor(curl, "192.0.2.66", T0)).toEqual([]);
    expect(m.namesFor(other, "192.0.2.66", T0)).toEqual(["bank.example"]);
    // ...and so a rule about bank.example does not apply to curl's connection there.
    const c = compileRules([rule({ remoteHost: ["*.bank.example"] }, { id: "bank" })]);
    const req = withHostNames(request({ remote: { address: "192.0.2.66", port: 443 } }), m, T0);
    expect(decide(req, c, T0).ruleId).toBeNull();
  });

  it("an A answer is found by the v4-mapped spelling too, and several names can share an address", () => {
    const m = new DnsNameMap();
    m.observe(curl, { name: "a.example.org", addresses: ["192.0.2.1", "2001:db8::1"], ttl: 60 }, T0);
    m.observe(curl, { name: "b.example.org", addresses: ["192.0.2.1"], ttl: 60 }, T0);
    expect(m.namesFor(curl, "::ffff:192.0.2.1", T0).sort()).toEqual(["a.example.org", "b.example.org"]);
    expect(m.namesFor(curl, "2001:db8:0:0::1", T0)).toEqual(["a.example.org"]);
  });

  it("a domain rule matches what the application resolved", () => {
    const m = new DnsNameMap();
    m.observe(curl, { name: "cdn.example.org", addresses: ["192.0.2.1"], ttl: 60 }, T0);
    const c = compileRules([rule({ remoteHost: ["*.example.org"] }, { id: "d" })]);
    expect(decide(withHostNames(request({ remote: { address: "192.0.2.1", port: 443 } }), m, T0), c, T0).ruleId).toBe("d");
    expect(decide(withHostNames(request({ remote: { address: "192.0.2.1", port: 443 } }), m, T0 + 60_000), c, T0).ruleId).toBeNull();
  });

  it("ignores what is not a name or has no lifetime; bounds memory per application", () => {
    const m = new DnsNameMap({ maxAddressesPerApp: 2 });
    expect(m.observe(curl, { name: "not a name", addresses: ["192.0.2.1"], ttl: 60 }, T0)).toBe(false);
    expect(m.observe(curl, { name: "x.org", addresses: ["192.0.2.1"], ttl: 0 }, T0)).toBe(false);
    m.observe(curl, { name: "x.org", addresses: ["192.0.2.1", "192.0.2.2", "192.0.2.3"], ttl: 60 }, T0);
    expect(m.namesFor(curl, "192.0.2.1", T0)).toEqual([]);
    expect(m.namesFor(curl, "192.0.2.3", T0)).toEqual(["x.org"]);
  });

  // A short TTL after a long one means the name moved: the old lifetime must not linger.
  it("a name whose latest answer has TTL 1 is gone once that second is over", () => {
    const m = new DnsNameMap();
    m.observe(curl, { name: "www.example.org", addresses: ["192.0.2.1"], ttl: 3600 }, T0);
    m.observe(curl, { name: "www.example.org", addresses: ["192.0.2.1"], ttl: 1 }, T0 + 10_000);
    expect(m.namesFor(curl, "192.0.2.1", T0 + 10_999)).toEqual(["www.example.org"]);
    expect(m.namesFor(curl, "192.0.2.1", T0 + 11_000)).toEqual([]);
  });

  // Rules tell `python3 evil.py` from `python3 backup.py` by the exec-time argv and apps by
  // their id, so names must be kept apart the same way.
  it("keeps names apart per command line and per app id, as rules are", () => {
    const m = new DnsNameMap();
    const python = { uid: 1000, exeDev: 1, exeIno: 50, cmdlineSource: "exec" as const };
    const evil = { ...python, cmdline: ["python3", "evil.py"] };
    const backup = { ...python, cmdline: ["python3", "backup.py"] };
    m.observe(evil, { name: "bank.example", addresses: ["192.0.2.66"], ttl: 300 }, T0);
    expect(m.namesFor(backup, "192.0.2.66", T0)).toEqual([]);
    expect(m.namesFor(evil, "192.0.2.66", T0)).toEqual(["bank.example"]);
    const claimed = { ...backup, appId: { kind: "flatpak" as const, id: "org.bank.App", verified: false } };
    m.observe(claimed, { name: "bank.example", addresses: ["192.0.2.67"], ttl: 300 }, T0);
    expect(m.namesFor(backup, "192.0.2.67", T0)).toEqual([]);
    // Separators inside an argument cannot make two command lines one key.
    m.observe({ ...python, cmdline: ["a", "b"] }, { name: "x.example", addresses: ["192.0.2.68"], ttl: 300 }, T0);
    expect(m.namesFor({ ...python, cmdline: ["a\u0000b"] }, "192.0.2.68", T0)).toEqual([]);
    expect(m.namesFor({ ...python, cmdline: ["a,b"] }, "192.0.2.68", T0)).toEqual([]);
  });
});
