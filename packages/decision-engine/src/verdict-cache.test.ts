import { describe, expect, it } from "vitest";
import { request, rule } from "../test/fixtures.js";
import { compileRules } from "./compile.js";
import { RuleSet } from "./rule-set.js";
import { VerdictCache, requestCacheKey } from "./verdict-cache.js";

const NOW = 1_700_000_000_000;

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

  it("the key covers every field a rule can match on", () => {
    const base = requestCacheKey(request(), 1);
    const variants = [
      request({ app: { uid: 1 } }),
      request({ app: { userName: "bob" } }),
      request({ app: { exePath: "/bin/x" } }),
      request({ app: { sha256: "a".repeat(64) } }),
      request({ app: { appId: { kind: "snap", id: "x" } } }),
      request({ app: { parentExe: "/bin/sh" } }),
      request({ app: { cmdline: ["curl", "x"] } }),
      request({ operation: "send" }),
      request({ protocol: "udp" }),
      request({ family: "ipv6" }),
      request({ remote: { address: "192.0.2.99", port: 443 } }),
      request({ remote: { address: "192.0.2.10", port: 80 } }),
      request({ local: { port: 5 } }),
      request({ remoteHostNames: ["x.org"] }),
    ];
    for (const v of variants) expect(requestCacheKey(v, 1)).not.toBe(base);
    expect(requestCacheKey(request(), 2)).not.toBe(base);
  });
});

describe("RuleSet", () => {
  it("drops process rules when their process exits, and expired rules on request", () => {
    const set = new RuleSet();
    set.replaceAll([
      rule({}, { id: "p", duration: { kind: "process", pid: 42 } }),
      rule({}, { id: "m", createdAt: NOW, duration: { kind: "minutes", minutes: 1 } }),
      rule({}, { id: "f" }),
    ]);
    expect(set.nextExpiry()).toBe(NOW + 60_000);
    expect(set.processExited(41)).toEqual([]);
    expect(set.processExited(42)).toEqual(["p"]);
    expect(set.removeExpired(NOW + 59_999)).toEqual([]);
    expect(set.removeExpired(NOW + 60_000)).toEqual(["m"]);
    expect(set.rules().map((r) => r.id)).toEqual(["f"]);
  });

  it("an id never changes owner: a user's rule cannot replace a system deny by reusing its id", () => {
    const set = new RuleSet();
    set.upsert(rule({}, { id: "no-telemetry", owner: { kind: "system" }, action: "deny" }));
    expect(() => set.upsert(rule({}, { id: "no-telemetry", owner: { kind: "user", uid: 1000 } }))).toThrow(
      'rule "no-telemetry" is invalid: field owner: the id belongs to the system; expected a rule of that owner, received one of uid 1000',
    );
    expect(set.get("no-telemetry")?.action).toBe("deny");
    set.upsert(rule({}, { id: "mine", owner: { kind: "user", uid: 1000 } }));
    expect(() => set.upsert(rule({}, { id: "mine", owner: { kind: "user", uid: 1001 } }))).toThrow(/belongs to uid 1000/);
    set.upsert(rule({ exe: "/usr/bin/curl" }, { id: "mine", owner: { kind: "user", uid: 1000 } }));
    expect(set.get("mine")?.match).toEqual({ exe: "/usr/bin/curl" });
  });

  it("validates what it is given", () => {
    expect(() => new RuleSet().upsert({ id: "x" })).toThrow(/field schemaVersion: missing/);
  });
});
