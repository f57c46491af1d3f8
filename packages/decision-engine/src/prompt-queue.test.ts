import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { request } from "../test/fixtures.js";
import { FakeClock } from "./clock.js";
import { compileRules } from "./compile.js";
import { decide } from "./decide.js";
import type { PromptQueueOptions } from "./prompt-queue.js";
import { PromptQueue } from "./prompt-queue.js";
import type { Prompt } from "./prompt-types.js";

const T0 = 1_700_000_000_000;
function queue(over: Partial<PromptQueueOptions> = {}) {
  const clock = new FakeClock(T0);
  const shown: Prompt[] = [];
  const q = new PromptQueue({ clock, timeoutMs: 30_000, perAppLimit: 3, windowMs: 60_000, bootId: "boot-1", onRaised: (p) => shown.push(p), ...over });
  return { q, clock, shown };
}
const to = (address: string, port = 443, names?: string[]) => request({ remote: { address, port }, ...(names ? { remoteHostNames: names } : {}) });

describe("PromptQueue: answer rule ids", () => {
  // Any user may add a rule with an id of their choosing; an answer's id taken in advance
  // (they were the clock and a counter) would make another user's answer fail.
  it("are random, so nobody can take one in advance", () => {
    const { q } = queue();
    const ids = ["192.0.2.1", "192.0.2.2", "192.0.2.3"].map((a) => q.answer(q.raise(to(a)).promptId, 1000, { action: "allow", scope: "host", duration: "forever" }).rules[0]!.id);
    for (const id of ids) expect(id).toMatch(/^answer-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
  });
});

describe("PromptQueue: coalescing", () => {
  it("identical questions share one prompt whose answer settles all of them", async () => {
    const { q, shown } = queue();
    const a = q.raise(to("192.0.2.1"));
    const b = q.raise(to("192.0.2.1"));
    const c = q.raise(request({ remote: { address: "192.0.2.1", port: 443 }, app: { pid: 777 } }));
    expect([a.coalesced, b.coalesced, c.coalesced]).toEqual([false, true, true]);
    expect(new Set([a.promptId, b.promptId, c.promptId]).size).toBe(1);
    expect(shown).toHaveLength(1);
    expect(q.pending(1000)[0]).toMatchObject({ requests: 3, destinations: [{ address: "192.0.2.1", port: 443 }], kind: "single" });
    q.answer(a.promptId, 1000, { action: "allow", scope: "host-port", duration: "forever" });
    const outcomes = await Promise.all([a.outcome, b.outcome, c.outcome]);
    expect(outcomes.map((o) => o.action)).toEqual(["allow", "allow", "allow"]);
    expect(q.pending(1000)).toEqual([]);
  });

  it("a different operation, protocol, port, program or user is a different question", () => {
    const { q } = queue({ perAppLimit: 100 });
    const ids = new Set([
      q.raise(to("192.0.2.1")).promptId,
      q.raise(request({ operation: "send", protocol: "udp", remote: { address: "192.0.2.1", port: 443 } })).promptId,
      q.raise(to("192.0.2.1", 80)).promptId,
      q.raise(request({ app: { exePath: "/usr/bin/wget", exeIno: 99 } })).promptId,
      q.raise(request({ app: { uid: 1001 } })).promptId,
    ]);
    expect(ids.size).toBe(5);
    expect(q.pending(1000)).toHaveLength(4);
    expect(q.pending(1001)).toHaveLength(1);
  });

  it("the same host name behind two addresses is one question", () => {
    const { q } = queue();
    const a = q.raise(to("192.0.2.1", 443, ["www.example.org"]));
    const b = q.raise(to("192.0.2.2", 443, ["www.example.org"]));
    expect(b.promptId).toBe(a.promptId);
  });
});

describe("PromptQueue: what a destination shows", () => {
  it("every host name the program resolved (the first one names it) and, for connect, the caller's own bound port", () => {
    const { q } = queue();
    const r = request({ remote: { address: "192.0.2.1", port: 443 }, local: { address: "0.0.0.0", port: 40022 }, remoteHostNames: ["www.example.org", "WWW.example.org.", "cdn.example.net"] });
    q.raise(r);
    expect(q.pending(1000)[0]!.destination).toEqual({ address: "192.0.2.1", port: 443, host: "www.example.org", hosts: ["www.example.org", "cdn.example.net"], localPort: 40022 });
  });

  it("an unbound caller (local port 0) and a single name add nothing", () => {
    const { q } = queue();
    q.raise(request({ remote: { address: "192.0.2.1", port: 443 }, local: { address: "0.0.0.0", port: 0 }, remoteHostNames: ["www.example.org"] }));
    expect(q.pending(1000)[0]!.destination).toEqual({ address: "192.0.2.1", port: 443, host: "www.example.org" });
  });
});

describe("PromptQueue: rate limit", () => {
  it("1,000 new destinations from one program make perAppLimit prompts, then 'many' prompts of 32 destinations each", async () => {
    const { q, shown } = queue();
    const raised = Array.from({ length: 1000 }, (_, i) => q.raise(to(`10.${i >> 8}.${i & 255}.1`)));
    expect(shown.map((p) => p.kind)).toEqual(["single", "single", "single", ...Array<string>(32).fill("many")]);
    const many = q.pending(1000).find((p) => p.kind === "many")!;
    expect(many).toMatchObject({ requests: 32 });
    expect(many.destinations).toHaveLength(32);
    expect(many.destinations[0]).toEqual({ address: "10.0.3.1", port: 443 });
    // Another program is not held back by the first one's burst.
    expect(q.raise(request({ app: { exePath: "/usr/bin/wget", exeIno: 99 } })).coalesced).toBe(false);
    const out = q.answer(many.id, 1000, { action: "deny", scope: "any", duration: "forever" });
    expect(out.rules).toHaveLength(1);
    expect(out.rules[0]!.match).toEqual({ exe: "/usr/bin/curl", operation: ["connect"], protocol: ["tcp"] });
    const settled = await Promise.all(raised.slice(3, 35).map((r) => r.outcome));
    expect(settled.every((o) => o.action === "deny" && o.promptId === many.id)).toBe(true);
  });

  it("a burst over several operations gets one 'many' prompt per operation and protocol, each answer covering its own", () => {
    const { q, shown } = queue({ perAppLimit: 0 });
    const tcp = q.raise(to("192.0.2.1"));
    const udp = q.raise(request({ operation: "send", protocol: "udp", remote: { address: "192.0.2.2", port: 53 } }));
    const tcp2 = q.raise(to("192.0.2.3"));
    expect(shown.map((p) => p.kind)).toEqual(["many", "many"]);
    expect(tcp2.promptId).toBe(tcp.promptId);
    expect(udp.promptId).not.toBe(tcp.promptId);
    const out = q.answer(udp.promptId, 1000, { action: "allow", scope: "any", duration: "forever" });
    expect(out.rules.map((r) => r.match)).toEqual([{ exe: "/usr/bin/curl", operation: ["send"], protocol: ["udp"] }]);
    expect(q.pending(1000).map((p) => p.id)).toEqual([tcp.promptId]);
  });

  it("the window slides: after windowMs the program may ask singly again", () => {
    const { q, clock, shown } = queue({ timeoutMs: 10 * 60_000 });
    for (let i = 0; i < 4; i++) q.raise(to(`10.0.0.${i + 1}`));
    expect(shown.map((p) => p.kind)).toEqual(["single", "single", "single", "many"]);
    clock.advance(60_001);
    q.raise(to("10.0.1.1"));
    expect(shown.at(-1)!.kind).toBe("many"); // still joins the pending 'many' prompt
    q.answer(shown.at(-1)!.id, 1000, { action: "allow", scope: "host", duration: "once" });
    q.raise(to("10.0.2.1"));
    expect(shown.at(-1)!.kind).toBe("single");
  });

  it("a full per-user queue answers new questions with the default at once, and says so", async () => {
    const { q } = queue({ maxPendingPerUser: 2, perAppLimit: 100 });
    q.raise(to("192.0.2.1"));
    q.raise(to("192.0.2.2"));
    const third = await q.raise(to("192.0.2.3")).outcome;
    expect(third).toMatchObject({ action: "deny", answeredBy: "queue-full" });
    expect(third.reason).toContain("2 prompts already wait for uid 1000");
  });
});

describe("PromptQueue: timeout and answers", () => {
  it("an unanswered prompt resolves to the default at its deadline, and says so", async () => {
    const { q, clock } = queue({ defaultAction: "allow" });
    const r = q.raise(to("192.0.2.1"));
    let done = false;
    void r.outcome.then(() => (done = true));
    clock.advance(29_999);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    const o = await r.outcome;
    expect(o).toMatchObject({ action: "allow", answeredBy: "timeout", reason: "no answer within 30 s: default allow applied", rules: [] });
    expect(() => q.answer(r.promptId, 1000, { action: "deny", scope: "any", duration: "forever" })).toThrow(/is not pending/);
    expect(clock.pendingTimers).toBe(0);
  });

  it("only the owning user may answer", () => {
    const { q } = queue();
    const r = q.raise(to("192.0.2.1"));
    let err: unknown;
    try {
      q.answer(r.promptId, 1001, { action: "allow", scope: "any", duration: "forever" });
    } catch (e) {
      err = e;
    }
    expect(isSockgateError(err, "SG_ERR_PROMPT_FORBIDDEN")).toBe(true);
    expect(q.pending(1000)).toHaveLength(1);
  });

  const scopes = [
    ["host-port", { remoteHost: ["www.example.org"], remotePort: [443] }],
    ["host", { remoteHost: ["www.example.org"] }],
    ["domain", { remoteHost: ["*.example.org"] }],
    ["any", {}],
  ] as const;
  it.each(scopes)("scope %s becomes a rule that decides the next such request", (scope, dest) => {
    const { q, clock } = queue();
    const r = q.raise(to("192.0.2.1", 443, ["www.example.org"]));
    clock.advance(1000);
    const out = q.answer(r.promptId, 1000, { action: "allow", scope, duration: { minutes: 5 } });
    expect(out.rules).toHaveLength(1);
    const rule = out.rules[0]!;
    expect(rule).toMatchObject({ owner: { kind: "user", uid: 1000 }, action: "allow", createdAt: T0 + 1000, duration: { kind: "minutes", minutes: 5 } });
    expect(rule.match).toEqual({ exe: "/usr/bin/curl", operation: ["connect"], protocol: ["tcp"], ...dest });
    const c = compileRules(out.rules);
    expect(decide(to("192.0.2.9", 443, ["www.example.org"]), c, T0 + 2000).ruleId).toBe(rule.id);
    expect(decide(to("192.0.2.9", 443, ["www.example.org"]), c, T0 + 1000 + 5 * 60_000).ruleId).toBeNull();
  });

  it("without a host name, the address is the destination; durations map to rule durations", () => {
    const { q } = queue();
    const r = q.raise(to("192.0.2.1", 443));
    const out = q.answer(r.promptId, 1000, { action: "deny", scope: "domain", duration: "process" });
    expect(out.rules[0]!.match.remoteAddress).toEqual(["192.0.2.1"]);
    expect(out.rules[0]!.duration).toEqual({ kind: "process", pid: 4242, startTime: 777, bootId: "boot-1" });
    const r2 = q.raise(request({ operation: "bind", remote: undefined, local: { address: "0.0.0.0", port: 8080 } }));
    const out2 = q.answer(r2.promptId, 1000, { action: "allow", scope: "host-port", duration: "reboot" });
    expect(out2.rules[0]!.match).toMatchObject({ operation: ["bind"], localPort: [8080] });
    expect(out2.rules[0]!.duration).toEqual({ kind: "reboot", bootId: "boot-1" });
  });

  it("accept asks about the peer and the local port: new ephemeral peer ports coalesce, and the answer matches the next one", () => {
    const { q } = queue();
    const incoming = (peerPort: number) =>
      request({ operation: "accept", local: { address: "192.0.2.100", port: 22 }, remote: { address: "198.51.100.7", port: peerPort } });
    const a = q.raise(incoming(40001));
    const b = q.raise(incoming(40002));
    expect(b.promptId).toBe(a.promptId);
    expect(q.pending(1000)[0]!.destination).toEqual({ address: "198.51.100.7", port: 22 });
    const out = q.answer(a.promptId, 1000, { action: "allow", scope: "host-port", duration: "forever" });
    expect(out.rules[0]!.match).toEqual({ exe: "/usr/bin/curl", operation: ["accept"], protocol: ["tcp"], remoteAddress: ["198.51.100.7"], localPort: [22] });
    const c = compileRules(out.rules);
    expect(decide(incoming(40003), c, T0).ruleId).toBe(out.rules[0]!.id);
    expect(decide(request({ operation: "accept", local: { port: 23 }, remote: { address: "198.51.100.7", port: 40004 } }), c, T0).ruleId).toBeNull();
  });

  it("a 'many' prompt answered per domain makes one rule per distinct domain", () => {
    const { q, shown } = queue({ perAppLimit: 0 });
    q.raise(to("192.0.2.1", 443, ["a.example.org"]));
    q.raise(to("192.0.2.2", 443, ["b.example.org"]));
    q.raise(to("192.0.2.3", 443, ["c.example.net"]));
    expect(shown.map((p) => p.kind)).toEqual(["many"]);
    const out = q.answer(shown[0]!.id, 1000, { action: "allow", scope: "domain", duration: "forever" });
    expect(out.rules.map((r) => r.match.remoteHost)).toEqual([["*.example.org"], ["*.example.net"]]);
  });

  it("refuses an answer it cannot turn into a rule", () => {
    const { q } = queue();
    const r = q.raise(to("192.0.2.1"));
    expect(() => q.answer(r.promptId, 1000, { action: "maybe" as "allow", scope: "any", duration: "forever" })).toThrow(/answer: action: expected "allow" or "deny"/);
  });
});
