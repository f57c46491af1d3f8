import { describe, expect, it } from "vitest";
import { request, rule } from "../test/fixtures.js";
import { FakeClock } from "./clock.js";
import type { RuleChange } from "./engine.js";
import { createEngine } from "./engine.js";
import { parseList } from "./lists.js";

const T0 = 1_700_000_000_000;
function engine() {
  const clock = new FakeClock(T0);
  const e = createEngine({ bootId: "b1", clock, prompts: { timeoutMs: 30_000 } });
  const changes: RuleChange[] = [];
  e.on("rules", (c) => changes.push(c));
  return { e, clock, changes };
}

describe("createEngine", () => {
  it("decides from its rules, with host names from what the request's application resolved", () => {
    const { e } = engine();
    e.rules.upsert(rule({ remoteHost: ["*.example.org"] }, { id: "web" }));
    expect(e.decide(request())).toMatchObject({ action: "ask", ruleId: null, validUntil: null });
    e.observeDns(request().app, { name: "www.example.org", addresses: ["192.0.2.10"], ttl: 60 });
    expect(e.decide(request())).toMatchObject({ action: "allow", ruleId: "web" });
    // Another program's resolution labels nothing of curl's.
    e.observeDns({ ...request().app, exeIno: 1 }, { name: "www.example.org", addresses: ["192.0.2.11"], ttl: 60 });
    expect(e.decide(request({ remote: { address: "192.0.2.11", port: 443 } })).ruleId).toBeNull();
  });

  it("an answer's rules join the rule set and are announced; once-rules settle only their prompt", async () => {
    const { e, changes } = engine();
    const p = e.prompts.raise(request());
    expect(e.prompts.pending(1000).map((x) => x.id)).toEqual([p.promptId]);
    const once = e.prompts.answer(p.promptId, 1000, { action: "allow", scope: "host-port", duration: "once" });
    expect((await p.outcome).action).toBe("allow");
    expect([once.rules.length, e.rules.list().length, changes.length]).toEqual([1, 0, 0]);
    const q = e.prompts.raise(request());
    const out = e.prompts.answer(q.promptId, 1000, { action: "deny", scope: "host-port", duration: "forever" });
    expect(e.rules.list()).toEqual(out.rules);
    expect(changes).toEqual([{ cause: "answer", upserted: out.rules, removed: [], generation: e.rules.generation }]);
    expect(e.decide(request())).toMatchObject({ action: "deny", ruleId: out.rules[0]!.id });
  });

  it("a rule made meanwhile settles the waiting requests it decides", async () => {
    const { e } = engine();
    const a = e.prompts.raise(request({ remote: { address: "192.0.2.1", port: 443 } }));
    const b = e.prompts.raise(request({ remote: { address: "192.0.2.2", port: 80 } }));
    const settled: string[] = [];
    e.prompts.on("settled", (p, o) => settled.push(`${p.id}:${o.answeredBy}`));
    e.prompts.answer(a.promptId, 1000, { action: "allow", scope: "any", duration: "forever" });
    expect(await b.outcome).toMatchObject({ action: "allow", answeredBy: "rule" });
    expect(settled).toEqual([`${a.promptId}:user`, `${b.promptId}:rule`]);
    expect(e.prompts.pending(1000)).toEqual([]);
  });

  it("a process exit, reported by the daemon, removes that process's rules", () => {
    const { e, changes } = engine();
    const p = e.prompts.raise(request());
    const [r] = e.prompts.answer(p.promptId, 1000, { action: "allow", scope: "any", duration: "process" }).rules;
    expect(e.decide(request()).ruleId).toBe(r!.id);
    expect(e.decide(request({ app: { startTime: 778 } })).ruleId).toBeNull();
    expect(e.processExited({ pid: 4242, startTime: 778, bootId: "b1" })).toEqual([]);
    expect(e.processExited({ pid: 4242, startTime: 777, bootId: "b1" })).toEqual([r!.id]);
    expect(changes.at(-1)).toMatchObject({ cause: "process-exit", removed: [r] });
    expect(e.decide(request()).ruleId).toBeNull();
  });

  it("a timed rule leaves at its expiry, by itself, and says so", () => {
    const { e, clock, changes } = engine();
    e.rules.upsert(rule({}, { id: "m", createdAt: T0, duration: { kind: "minutes", minutes: 2 } }));
    expect(e.nextExpiry()).toBe(T0 + 120_000);
    clock.advance(119_999);
    expect(e.rules.get("m")).toBeDefined();
    clock.advance(1);
    expect(e.rules.get("m")).toBeUndefined();
    expect(changes.at(-1)!.removed.map((x) => [x.id, x.owner])).toEqual([["m", { kind: "user", uid: 1000 }]]);
    expect(e.nextExpiry()).toBeNull();
  });

  it("replaceAll reports what came and went; lists can be given at creation", () => {
    const clock = new FakeClock(T0);
    const e = createEngine({ bootId: "b1", clock, lists: [parseList("ads", "ads.example\n", "domains")], rules: [rule({ list: ["ads"] }, { id: "ads", action: "deny" })] });
    const changes: RuleChange[] = [];
    e.on("rules", (c) => changes.push(c));
    e.rules.replaceAll([rule({}, { id: "all" })]);
    expect(changes.map((c) => [c.cause, c.upserted.map((r) => r.id), c.removed.map((r) => r.id)])).toEqual([["replace", ["all"], ["ads"]]]);
    e.close();
  });
});
