import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Request } from "@sockgate/protocol";
import { request, rule } from "../test/fixtures.js";
import { compileRules } from "./compile.js";
import { decide } from "./decide.js";
import { RuleSet } from "./rule-set.js";
import type { Rule } from "./rule-types.js";
import { VerdictCache, appCacheKey, flowCacheKey } from "./verdict-cache.js";

const NOW = 1_700_000_000_000;
const G1 = { generation: 1, hasProcessRules: false };
/** What the cache's key stands for: the application's part and the flow's. */
const requestCacheKey = (r: Request, c: typeof G1): string => `${appCacheKey(r, c)}\n${flowCacheKey(r, c)}`;

describe("VerdictCache", () => {
  it("serves a repeated request from the cache, including across processes of the same app", () => {
    const set = new RuleSet();
    set.upsert(rule({ exe: "/usr/bin/curl" }, { id: "a" }));
    const cache = new VerdictCache();
    expect(cache.decide(request(), set.compiled(), NOW).ruleId).toBe("a");
    expect(cache.decide(request({ app: { pid: 999 } }), set.compiled(), NOW).ruleId).toBe("a");
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it("a rule change is seen at once: the generation is part of the key", () => {
    const set = new RuleSet();
    set.upsert(rule({ exe: "/usr/bin/curl" }, { id: "a" }));
    const cache = new VerdictCache();
    expect(cache.decide(request(), set.compiled(), NOW).action).toBe("allow");
    const g = set.generation;
    set.upsert(rule({ exe: "/usr/bin/curl", remotePort: [443] }, { id: "b", action: "deny" }));
    expect(set.generation).toBe(g + 1);
    expect(cache.decide(request(), set.compiled(), NOW)).toMatchObject({ action: "deny", ruleId: "b" });
    set.remove("b");
    expect(cache.decide(request(), set.compiled(), NOW).ruleId).toBe("a");
    expect(cache.hits).toBe(0);
  });

  it("a different compiled rule set is never answered from another's entries, even at the same generation", () => {
    const cache = new VerdictCache();
    expect(cache.decide(request(), compileRules([rule({}, { id: "a" })]), NOW).ruleId).toBe("a");
    expect(cache.decide(request(), compileRules([rule({}, { id: "b", action: "deny" })]), NOW).ruleId).toBe("b");
  });

  it("a cached verdict is not served after the rule that gave it expires", () => {
    const set = new RuleSet();
    set.upsert(rule({}, { id: "m", createdAt: NOW, duration: { kind: "minutes", minutes: 2 } }));
    const cache = new VerdictCache();
    expect(cache.decide(request(), set.compiled(), NOW).ruleId).toBe("m");
    expect(cache.decide(request(), set.compiled(), NOW + 119_999).ruleId).toBe("m");
    expect(cache.decide(request(), set.compiled(), NOW + 120_000).ruleId).toBeNull();
  });

  it("more applications than its table holds: the table and the entries go together, and no application is answered with another's verdict", () => {
    // app i is allowed port 1000 + i % 3. The table holds as many applications as the cache
    // holds entries (8): the ninth empties both, so a number given again never finds the
    // entry of the application that had it (app 0's allow is still cached then)
    const rules = Array.from({ length: 200 }, (_, i) => rule({ exe: `/opt/app${i}`, remotePort: [1000 + (i % 3)] }, { id: `r${i}` }));
    const compiled = compileRules(rules);
    const cache = new VerdictCache({ max: 8 });
    for (let i = 0; i < 200; i++) {
      const req = request({ app: { exePath: `/opt/app${i}` }, remote: { address: "192.0.2.10", port: 1000 } });
      expect(cache.decide(req, compiled, NOW)).toEqual(decide(req, compiled, NOW));
    }
    expect(cache.size).toBeLessThanOrEqual(8);
  });

  it("the flows one rule decides share one decision", () => {
    const compiled = compileRules([rule({ exe: "/usr/bin/curl" }, { id: "a" })]);
    const a = decide(request({ remote: { address: "192.0.2.1", port: 1 } }), compiled, NOW);
    expect(decide(request({ remote: { address: "192.0.2.2", port: 2 } }), compiled, NOW)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it("the key covers every field a rule can match on", () => {
    const base = requestCacheKey(request(), G1);
    const variants = [
      request({ app: { uid: 1 } }),
      request({ app: { userName: "bob" } }),
      request({ app: { exePath: "/bin/x" } }),
      request({ app: { exeIno: 1 } }),
      request({ app: { exeGeneration: 1 } }),
      request({ app: { exePathVerified: false } }),
      request({ app: { flags: ["deleted"] } }),
      request({ app: { sha256: "a".repeat(64) } }),
      request({ app: { appId: { kind: "snap", id: "x", verified: true } } }),
      request({ app: { parentExe: "/bin/sh" } }),
      request({ app: { cmdline: ["curl", "x"] } }),
      request({ app: { cmdline: ["curl", "x"], cmdlineSource: "exec" } }),
      request({ operation: "send" }),
      request({ protocol: "udp" }),
      request({ family: "ipv6" }),
      request({ remote: { address: "192.0.2.99", port: 443 } }),
      request({ remote: { address: "192.0.2.10", port: 80 } }),
      request({ local: { port: 5 } }),
      request({ remoteHostNames: ["x.org"] }),
    ];
    for (const v of variants) expect(requestCacheKey(v, G1)).not.toBe(base);
    expect(requestCacheKey(request(), { ...G1, generation: 2 })).not.toBe(base);
    // The pid matters only where a rule is scoped to one process.
    expect(requestCacheKey(request({ app: { pid: 1 } }), G1)).toBe(base);
    expect(requestCacheKey(request({ app: { pid: 1 } }), { ...G1, hasProcessRules: true })).not.toBe(requestCacheKey(request(), { ...G1, hasProcessRules: true }));
  });

  // The cache must never answer one request with the decision of another. Requests are
  // drawn from values that collide under naive joins: a missing cmdline, [] and [""];
  // arguments holding the separators a joined key would use; names with commas.
  it("answers every request as decide() does, whatever came before it (property)", () => {
    const piece = fc.constantFrom("", "a", "b", "a b", "a\u0000b", "a\u0001b", "a,b", "*", "python3", "x.py");
    const cmdline = fc.option(fc.array(piece, { maxLength: 3 }), { nil: undefined });
    const names = fc.option(fc.subarray(["a.example.org", "b.example.org", "a.example.org,b.example.org"]), { nil: undefined });
    const arbRequest = fc.record({
      cmdline,
      source: fc.constantFrom(undefined, "exec" as const, "proc" as const),
      names,
      pid: fc.constantFrom(1, 2),
      startTime: fc.constantFrom(undefined, 10),
      flags: fc.constantFrom(undefined, [], ["deleted" as const]),
      verified: fc.boolean(),
      port: fc.constantFrom(443, 80),
    });
    const rules: Rule[] = [
      rule({ cmdline: "a b" }, { id: "c1", action: "deny" }),
      rule({ cmdline: "*" }, { id: "c2", action: "ask" }),
      rule({ argv: [] }, { id: "c3", action: "deny" }),
      rule({ argv: [""] }, { id: "c4" }),
      rule({ argv: ["a\u0000b"] }, { id: "c5", action: "deny" }),
      rule({ argv: ["a,b"] }, { id: "c6" }),
      rule({ remoteHost: ["b.example.org"] }, { id: "h1", action: "deny", priority: 1 }),
      rule({ exe: "/usr/bin/curl", remotePort: [80] }, { id: "e1", priority: 2 }),
      rule({}, { id: "p1", priority: 3, duration: { kind: "process", pid: 2, startTime: 10, bootId: "b" } }),
    ];
    fc.assert(
      fc.property(fc.subarray(rules, { minLength: 1 }), fc.array(arbRequest, { minLength: 1, maxLength: 30 }), (subset, specs) => {
        const compiled = compileRules(subset, { bootId: "b" });
        const cache = new VerdictCache();
        for (const s of specs) {
          const req: Request = request({
            remote: { address: "192.0.2.10", port: s.port },
            ...(s.names === undefined ? {} : { remoteHostNames: [...s.names] }),
            app: {
              pid: s.pid,
              startTime: s.startTime,
              exePathVerified: s.verified,
              ...(s.cmdline === undefined ? {} : { cmdline: [...s.cmdline] }),
              ...(s.source === undefined ? {} : { cmdlineSource: s.source }),
              ...(s.flags === undefined ? {} : { flags: [...s.flags] }),
            },
          });
          expect(cache.decide(req, compiled, NOW)).toEqual(decide(req, compiled, NOW));
        }
      }),
      { numRuns: 500 },
    );
  });
});
