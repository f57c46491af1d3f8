import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { request, rule } from "../test/fixtures.js";
import { decide } from "./decide.js";
import { RuleSet } from "./rule-set.js";

const NOW = 1_700_000_000_000;
const proc = (pid: number, startTime: number, bootId = "b1") => ({ kind: "process" as const, pid, startTime, bootId });

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isSockgateError(err)) return err.message;
    throw err;
  }
  return "nothing thrown";
}

describe("RuleSet", () => {
  it("drops the rules of the process that exited (pid + start time + boot), and expired rules on request", () => {
    const set = new RuleSet({ bootId: "b1" });
    set.replaceAll([
      rule({}, { id: "p", duration: proc(42, 1000) }),
      rule({}, { id: "m", createdAt: NOW, duration: { kind: "minutes", minutes: 1 } }),
      rule({}, { id: "f" }),
    ]);
    expect(set.nextExpiry()).toBe(NOW + 60_000);
    expect(set.processExited({ pid: 41, startTime: 1000, bootId: "b1" })).toEqual([]);
    // Same pid, another process (started later): not the rule's process.
    expect(set.processExited({ pid: 42, startTime: 2000, bootId: "b1" })).toEqual([]);
    expect(set.processExited({ pid: 42, startTime: 1000, bootId: "b1" })).toEqual(["p"]);
    expect(set.removeExpired(NOW + 59_999)).toEqual([]);
    expect(set.removeExpired(NOW + 60_000)).toEqual(["m"]);
    expect(set.rules().map((r) => r.id)).toEqual(["f"]);
    expect(set.nextExpiry()).toBeNull();
  });

  // "Until the application exits" is about one process: a pid reused by a later process,
  // or the same pid after a reboot, is someone else.
  it("a process rule matches only its own process, never a reused pid or another boot", () => {
    const set = new RuleSet({ bootId: "b1" });
    set.upsert(rule({}, { id: "p", duration: proc(4242, 777) }));
    expect(decide(request({ app: { pid: 4242, startTime: 777 } }), set.compiled(), NOW).ruleId).toBe("p");
    expect(decide(request({ app: { pid: 4242, startTime: 900 } }), set.compiled(), NOW).ruleId).toBeNull();
    expect(decide(request({ app: { pid: 4242, startTime: undefined } }), set.compiled(), NOW).ruleId).toBeNull();
    expect(decide(request({ app: { pid: 4243, startTime: 777 } }), set.compiled(), NOW).ruleId).toBeNull();
    const rebooted = new RuleSet({ bootId: "b2" });
    rebooted.upsert(set.get("p"));
    expect(decide(request({ app: { pid: 4242, startTime: 777 } }), rebooted.compiled(), NOW).ruleId).toBeNull();
    expect(rebooted.removeExpired(NOW)).toEqual(["p"]);
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

  // replaceAll is the reload path: it must not be a way around upsert's checks.
  it("replaceAll keeps ids with their owners and refuses duplicate ids, changing nothing", () => {
    const set = new RuleSet();
    set.upsert(rule({}, { id: "no-telemetry", owner: { kind: "system" }, action: "deny" }));
    expect(errorOf(() => set.replaceAll([rule({}, { id: "no-telemetry", owner: { kind: "user", uid: 1000 } })]))).toMatch(/field owner: the id belongs to the system/);
    expect(errorOf(() => set.replaceAll([rule({}, { id: "x" }), rule({}, { id: "x", action: "deny" })]))).toMatch(/rule "x" is invalid: field id: appears twice/);
    expect(set.rules().map((r) => [r.id, r.owner.kind, r.action])).toEqual([["no-telemetry", "system", "deny"]]);
    const g = set.generation;
    set.replaceAll([rule({}, { id: "no-telemetry", owner: { kind: "system" }, action: "deny", note: "kept" }), rule({}, { id: "new" })]);
    expect([set.generation, set.rules().length]).toEqual([g + 1, 2]);
  });

  it("validates what it is given and hands out frozen rules", () => {
    expect(() => new RuleSet().upsert({ id: "x" })).toThrow(/field schemaVersion: missing/);
    const set = new RuleSet();
    set.upsert(rule({ remotePort: [443] }, { id: "r" }));
    expect(Object.isFrozen(set.get("r")) && Object.isFrozen(set.get("r")!.match.remotePort)).toBe(true);
  });
});
