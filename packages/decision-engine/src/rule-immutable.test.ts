import { describe, expect, it } from "vitest";
import { request, rule } from "../test/fixtures.js";
import { compileRules } from "./compile.js";
import { decide } from "./decide.js";
import { kernelVerdicts } from "./kernel-verdicts.js";
import { parseRule } from "./rule-parse.js";
import type { Rule } from "./rule-types.js";

// A compiled rule set caches each rule's matcher and rank by rule object. If the object
// could change afterwards, decide() would keep the old matcher while anything reading the
// rule (kernelVerdicts, the store, a UI) saw the new one.

const NOW = 1_700_000_000_000;
const CURL = { dev: 1, ino: 10, realPath: "/usr/bin/curl", links: 1 };
const plan = (rules: Rule[]) => kernelVerdicts(compileRules(rules), { now: NOW, resolveExe: (p) => (p === CURL.realPath ? CURL : undefined), uids: [1000] });

describe("rules are immutable", () => {
  it("parseRule returns a deep-frozen copy: an edit throws instead of taking effect", () => {
    const r = parseRule(rule({ exe: "/usr/bin/curl", remotePort: [443] }, { id: "r" }));
    expect(() => {
      (r.match.remotePort as number[])[0] = 80;
    }).toThrow(TypeError);
    expect(() => {
      (r as { action: string }).action = "deny";
    }).toThrow(TypeError);
    expect(r.match.remotePort).toEqual([443]);
  });

  it("an edited rule object, compiled again, is decided and planned for the kernel the same way", () => {
    const r = rule({ exe: "/usr/bin/curl", operation: ["connect"], protocol: ["tcp"], remotePort: [443] }, { id: "deny-web", action: "deny" });
    expect(decide(request(), compileRules([r]), NOW).ruleId).toBe("deny-web");
    r.match.remotePort = [80];
    const compiled = compileRules([r]);
    const on80 = request({ remote: { address: "192.0.2.10", port: 80 } });
    expect([decide(request(), compiled, NOW).ruleId, decide(on80, compiled, NOW).ruleId]).toEqual([null, "deny-web"]);
    expect(plan([r]).entries.map((e) => e.key.port)).toEqual([80]);
  });

  it("a system allow edited into a deny takes the system-deny rank a user allow cannot beat", () => {
    const sys = rule({}, { id: "sys", owner: { kind: "system" } });
    const user = rule({ exe: "/usr/bin/curl" }, { id: "user", priority: 5 });
    expect(decide(request(), compileRules([sys, user]), NOW).ruleId).toBe("user");
    sys.action = "deny";
    expect(decide(request(), compileRules([sys, user]), NOW)).toMatchObject({ action: "deny", ruleId: "sys" });
  });

  it("compileRules validates a rule that did not come from parseRule", () => {
    expect(() => compileRules([{ ...rule({}), action: "permit" } as unknown as Rule])).toThrow(/field action: expected one of/);
  });
});
