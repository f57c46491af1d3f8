import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { request, rule } from "../test/fixtures.js";
import { compileRules } from "./compile.js";
import { requestFacts } from "./rule-matcher.js";
import { decide } from "./decide.js";
import { parseList } from "./lists.js";
import type { Rule } from "./rule-types.js";

const NOW = 1_700_000_000_000;
const decideWith = (rules: Rule[], req = request(), now = NOW) => decide(req, compileRules(rules), now);

describe("decide: matchers", () => {
  it("no rule: ask, with no rule id", () => {
    expect(decideWith([])).toMatchObject({ action: "ask", ruleId: null, reason: "no rule matches: ask the user" });
  });

  const cases: Array<[string, Rule["match"], Parameters<typeof request>[0], boolean]> = [
    ["exe exact", { exe: "/usr/bin/curl" }, {}, true],
    ["exe exact, other program", { exe: "/usr/bin/wget" }, {}, false],
    ["exe glob * within a directory", { exeGlob: "/usr/bin/c*" }, {}, true],
    ["exe glob * does not cross /", { exeGlob: "/usr/*" }, {}, false],
    ["exe glob ** crosses /", { exeGlob: "/usr/**" }, {}, true],
    ["sha256", { sha256: "ab".repeat(32) }, { app: { sha256: "ab".repeat(32) } }, true],
    ["sha256 unknown for the request", { sha256: "ab".repeat(32) }, {}, false],
    ["user by uid", { user: 1000 }, {}, true],
    ["user by name", { user: "alice" }, {}, true],
    ["user by name, other", { user: "bob" }, {}, false],
    ["app id", { appId: { kind: "flatpak", id: "org.x" } }, { app: { appId: { kind: "flatpak", id: "org.x", verified: true } } }, true],
    ["app id, other kind", { appId: { kind: "snap", id: "org.x" } }, { app: { appId: { kind: "flatpak", id: "org.x", verified: true } } }, false],
    ["parent exe", { parentExe: "/usr/bin/*sh" }, { app: { parentExe: "/usr/bin/bash" } }, true],
    ["cmdline", { cmdline: "python3 *backup.py*" }, { app: { cmdline: ["python3", "/home/a/backup.py", "-v"], cmdlineSource: "exec" } }, true],
    ["cmdline, other script", { cmdline: "python3 *backup.py*" }, { app: { cmdline: ["python3", "/home/a/web.py"], cmdlineSource: "exec" } }, false],
    ["operation", { operation: ["send", "connect"] }, {}, true],
    ["operation, other", { operation: ["bind"] }, {}, false],
    ["protocol", { protocol: ["udp"] }, {}, false],
    ["family", { family: "ipv4" }, {}, true],
    ["address exact", { remoteAddress: ["192.0.2.10"] }, {}, true],
    ["address v4-mapped spelling", { remoteAddress: ["::ffff:192.0.2.10"] }, {}, true],
    ["request v4-mapped, rule plain", { remoteAddress: ["192.0.2.0/24"] }, { family: "ipv6", remote: { address: "::ffff:192.0.2.10", port: 443 } }, true],
    ["CIDR miss", { remoteAddress: ["198.51.100.0/24"] }, {}, false],
    ["host exact", { remoteHost: ["api.example.org"] }, { remoteHostNames: ["API.example.org."] }, true],
    ["domain wildcard", { remoteHost: ["*.example.org"] }, { remoteHostNames: ["a.b.example.org"] }, true],
    ["domain wildcard covers the apex", { remoteHost: ["*.example.org"] }, { remoteHostNames: ["example.org"] }, true],
    ["host without names seen", { remoteHost: ["*.example.org"] }, {}, false],
    ["remote port", { remotePort: [443] }, {}, true],
    ["remote port range", { remotePort: [{ from: 400, to: 500 }] }, {}, true],
    ["remote port miss", { remotePort: [80] }, {}, false],
    ["local port", { localPort: [{ from: 8000, to: 8100 }] }, { operation: "bind", remote: undefined, local: { port: 8080 } }, true],
    ["local port absent", { localPort: [8080] }, {}, false],
    ["destination on a bind (no remote)", { remoteAddress: ["0.0.0.0/0"] }, { operation: "bind", remote: undefined }, false],
  ];
  it.each(cases)("%s", (_what, match, req, expected) => {
    const d = decideWith([rule(match, { id: "x" })], request(req));
    expect(d.ruleId).toBe(expected ? "x" : null);
  });

  it("named lists match by address and by name suffix", () => {
    const lists = new Map([
      ["ads", parseList("ads", "ads.example.com\n", "domains")],
      ["nets", parseList("nets", "192.0.2.0/24\n", "cidr")],
    ]);
    const c = compileRules([rule({ list: ["ads"] }, { id: "a", action: "deny" }), rule({ list: ["nets"] }, { id: "n" })], { lists });
    expect(decide(request({ remoteHostNames: ["x.ads.example.com"], remote: { address: "203.0.113.1", port: 1 } }), c, NOW).ruleId).toBe("a");
    expect(decide(request(), c, NOW).ruleId).toBe("n");
  });

  it("a rule naming a list that is not loaded is refused at compile time", () => {
    expect(() => compileRules([rule({ list: ["nope"] })])).toThrow(/names list "nope", which is not loaded/);
  });

  it("a user's rule does not apply to another user's process", () => {
    const d = decideWith([rule({}, { id: "u", owner: { kind: "user", uid: 1001 } })]);
    expect(d.ruleId).toBeNull();
  });
});

describe("decide: ports", () => {
  it("a port spec matches exactly the ports inside it (property)", () => {
    const port = fc.integer({ min: 1, max: 65535 });
    const spec = fc.oneof(port, fc.tuple(port, port).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })));
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 4 }), port, (specs, p) => {
        const inside = specs.some((s) => (typeof s === "number" ? s === p : s.from <= p && p <= s.to));
        const r = rule({ remotePort: specs }, { id: "p" });
        expect(decideWith([r], request({ remote: { address: "192.0.2.10", port: p } })).ruleId).toBe(inside ? "p" : null);
        const l = rule({ localPort: specs }, { id: "l" });
        expect(decideWith([l], request({ operation: "listen", remote: undefined, local: { port: p } })).ruleId).toBe(inside ? "l" : null);
      }),
    );
  });
});

describe("decide: precedence", () => {
  it("explicit priority beats specificity", () => {
    const specific = rule({ exe: "/usr/bin/curl", remoteAddress: ["192.0.2.10"], remotePort: [443] }, { id: "specific", action: "deny" });
    const broad = rule({}, { id: "broad", priority: 1 });
    expect(decideWith([specific, broad]).ruleId).toBe("broad");
  });

  it("at equal priority the more specific rule wins", () => {
    const specific = rule({ exe: "/usr/bin/curl", remotePort: [443] }, { id: "specific" });
    const broad = rule({ exe: "/usr/bin/curl" }, { id: "broad", action: "deny" });
    expect(decideWith([specific, broad]).ruleId).toBe("specific");
  });

  it("deny wins a tie of priority and specificity", () => {
    const allow = rule({ exe: "/usr/bin/curl" }, { id: "a" });
    const deny = rule({ exe: "/usr/bin/curl" }, { id: "z", action: "deny" });
    expect(decideWith([allow, deny])).toMatchObject({ action: "deny", ruleId: "z" });
  });

  it("a user's rule cannot override a system deny, whatever its priority and specificity", () => {
    const sys = rule({}, { id: "sys", owner: { kind: "system" }, action: "deny" });
    const user = rule({ exe: "/usr/bin/curl", remoteAddress: ["192.0.2.10"], remotePort: [443] }, { id: "user", priority: 1023 });
    const d = decideWith([sys, user]);
    expect(d).toMatchObject({ action: "deny", ruleId: "sys" });
    expect(d.reason).toContain("no user rule can override");
  });

  it("the result does not depend on the order rules are given in (property)", () => {
    const arbRule = fc.record({
      priority: fc.integer({ min: 0, max: 3 }),
      action: fc.constantFrom("allow", "deny", "ask"),
      system: fc.boolean(),
      exe: fc.constantFrom(undefined, "/usr/bin/curl", "/usr/bin/*"),
      port: fc.constantFrom(undefined, 443, 80),
    });
    fc.assert(
      fc.property(fc.array(arbRule, { maxLength: 8 }), fc.integer(), (specs, seed) => {
        const rules = specs.map((s, i) =>
          rule(
            { ...(s.exe === undefined ? {} : s.exe.includes("*") ? { exeGlob: s.exe } : { exe: s.exe }), ...(s.port ? { remotePort: [s.port] } : {}) },
            { id: `p${i}`, priority: s.priority, action: s.action as Rule["action"], owner: s.system ? { kind: "system" } : { kind: "user", uid: 1000 } },
          ),
        );
        const shuffled = [...rules].sort((a, b) => ((a.id.charCodeAt(1) * 7919 + seed) % 13) - ((b.id.charCodeAt(1) * 7919 + seed) % 13));
        expect(decideWith(shuffled)).toEqual(decideWith(rules));
      }),
    );
  });

  it("precedence properties hold over random rule sets", () => {
    const arb = fc.array(
      fc.record({
        priority: fc.integer({ min: 0, max: 2 }),
        action: fc.constantFrom("allow", "deny", "ask"),
        system: fc.boolean(),
        specific: fc.boolean(),
      }),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(arb, (specs) => {
        const rules = specs.map((s, i) =>
          rule(s.specific ? { exe: "/usr/bin/curl" } : {}, {
            id: `q${i}`,
            priority: s.priority,
            action: s.action as Rule["action"],
            owner: s.system ? { kind: "system" } : { kind: "user", uid: 1000 },
          }),
        );
        const d = decideWith(rules);
        const winner = rules.find((r) => r.id === d.ruleId)!;
        const systemDenies = rules.filter((r) => r.owner.kind === "system" && r.action === "deny");
        if (systemDenies.length > 0) {
          // Some system deny decides.
          expect(winner.owner.kind === "system" && winner.action === "deny").toBe(true);
        }
        const pool = systemDenies.length > 0 ? systemDenies : rules;
        const topPriority = Math.max(...pool.map((r) => r.priority ?? 0));
        expect(winner.priority ?? 0).toBe(topPriority);
        const atTop = pool.filter((r) => (r.priority ?? 0) === topPriority);
        if (atTop.some((r) => r.match.exe !== undefined)) expect(winner.match.exe).toBeDefined();
        const sameClass = atTop.filter((r) => (r.match.exe !== undefined) === (winner.match.exe !== undefined));
        if (sameClass.some((r) => r.action === "deny")) expect(winner.action).toBe("deny");
      }),
    );
  });
});

describe("decide: durations under a fake clock", () => {
  it("a minutes rule applies until createdAt + minutes, then not (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 1_000_000_000_000 }), fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (minutes, createdAt, offset) => {
        const r = rule({}, { id: "m", createdAt, duration: { kind: "minutes", minutes } });
        const expiry = createdAt + minutes * 60_000;
        const now = expiry + offset;
        const d = decideWith([r], request(), now);
        expect(d.ruleId).toBe(now < expiry ? "m" : null);
        if (now < expiry) expect(d.validUntil).toBe(expiry);
      }),
    );
  });

  it("when a narrow rule expires the broader rule below it decides again", () => {
    const narrow = rule({ exe: "/usr/bin/curl" }, { id: "narrow", action: "deny", createdAt: NOW, duration: { kind: "minutes", minutes: 5 } });
    const broad = rule({}, { id: "broad" });
    const c = compileRules([narrow, broad]);
    expect(decide(request(), c, NOW + 5 * 60_000 - 1).ruleId).toBe("narrow");
    expect(decide(request(), c, NOW + 5 * 60_000).ruleId).toBe("broad");
  });

  it("reboot rules apply only during the boot that made them; once rules never stand", () => {
    const r = rule({}, { id: "boot", duration: { kind: "reboot", bootId: "b1" } });
    const once = rule({}, { id: "once", duration: { kind: "once" } });
    expect(decide(request(), compileRules([r, once], { bootId: "b1" }), NOW).ruleId).toBe("boot");
    const other = compileRules([r, once], { bootId: "b2" });
    expect(decide(request(), other, NOW).ruleId).toBeNull();
    expect(other.inactive.map((i) => i.ruleId).sort()).toEqual(["boot", "once"]);
  });
});

describe("decide: the bucket index", () => {
  it("finds the same rule as a scan of every rule in rank order (property)", () => {
    const exe = fc.constantFrom(undefined, "/usr/bin/curl", "/usr/bin/c*", "/usr/**", "/opt/x/**", "/usr/bin/wget");
    const exeMatch = (e: string | undefined): Rule["match"] => (e === undefined ? {} : e.includes("*") ? { exeGlob: e } : { exe: e });
    const dest = fc.constantFrom<Rule["match"]>(
      {},
      { remoteAddress: ["192.0.2.10"] },
      { remoteAddress: ["::ffff:192.0.2.10", "192.0.2.11"] },
      { remoteAddress: ["192.0.2.0/24"] },
      { remoteHost: ["www.example.org"] },
      { remoteHost: ["*.example.org"] },
      { remoteHost: ["*.org", "192.0.2.10.example"] },
      { remotePort: [443] },
    );
    const arbRule = fc.record({ exe, dest, action: fc.constantFrom("allow", "deny", "ask"), priority: fc.integer({ min: 0, max: 1 }), system: fc.boolean() });
    const arbReq = fc.record({
      exePath: fc.constantFrom("/usr/bin/curl", "/usr/bin/wget", "/opt/x/y/z"),
      address: fc.constantFrom("192.0.2.10", "::ffff:192.0.2.11", "198.51.100.1"),
      names: fc.constantFrom([], ["www.example.org"], ["a.b.example.org", "x.net"]),
    });
    fc.assert(
      fc.property(fc.array(arbRule, { maxLength: 12 }), arbReq, (specs, q) => {
        const rules = specs.map((s, i) =>
          rule({ ...exeMatch(s.exe), ...s.dest }, { id: `b${i}`, action: s.action as Rule["action"], priority: s.priority, owner: s.system ? { kind: "system" } : { kind: "user", uid: 1000 } }),
        );
        const c = compileRules(rules);
        const req = request({ app: { exePath: q.exePath }, remote: { address: q.address, port: 443 }, remoteHostNames: [...q.names] });
        const facts = requestFacts(req);
        const scan = c.rules.find((r) => r.matches(req, facts));
        expect(decide(req, c, NOW).ruleId).toBe(scan?.rule.id ?? null);
      }),
      { numRuns: 500 },
    );
  });
});
