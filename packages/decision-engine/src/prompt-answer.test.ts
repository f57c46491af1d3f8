import { describe, expect, it } from "vitest";
import type { AppIdentity, Request } from "@sockgate/protocol";
import { request } from "../test/fixtures.js";
import { FakeClock } from "./clock.js";
import { compileRules } from "./compile.js";
import { decide } from "./decide.js";
import { PromptQueue } from "./prompt-queue.js";
import type { Prompt, PromptAnswer } from "./prompt-types.js";

// An answer allows exactly what the prompt showed: the rules it makes cover the program,
// command line, app id and destination the person saw, and nothing a prompt did not show.

const T0 = 1_700_000_000_000;
function queue(perAppLimit = 5) {
  const shown: Prompt[] = [];
  const q = new PromptQueue({ clock: new FakeClock(T0), bootId: "b1", perAppLimit, maxPendingPerUser: 10_000, onRaised: (p) => shown.push(p) });
  return { q, shown };
}
const allow = (scope: PromptAnswer["scope"], duration: PromptAnswer["duration"] = "forever"): PromptAnswer => ({ action: "allow", scope, duration });
const python = (script: string, over: Partial<AppIdentity> = {}): Request =>
  request({ app: { exePath: "/usr/bin/python3", exeIno: 50, cmdline: ["python3", script], cmdlineSource: "exec", ...over } });

describe("answers allow exactly what the prompt showed", () => {
  it("an interpreter's prompt and rule keep its command line: evil.py does not ride on backup.py's answer", () => {
    const { q } = queue();
    const backup = q.raise(python("backup.py"));
    const evil = q.raise(python("evil.py"));
    expect(evil.promptId).not.toBe(backup.promptId);
    const out = q.answer(backup.promptId, 1000, allow("any"));
    expect(out.rules[0]!.match).toEqual({ exe: "/usr/bin/python3", argv: ["python3", "backup.py"], operation: ["connect"], protocol: ["tcp"] });
    const c = compileRules(out.rules);
    expect(decide(python("backup.py"), c, T0).ruleId).toBe(out.rules[0]!.id);
    expect(decide(python("evil.py"), c, T0).ruleId).toBeNull();
    expect(q.pending(1000).map((p) => p.id)).toEqual([evil.promptId]);
  });

  it("a program that is not an interpreter is one program whatever its arguments", () => {
    const { q } = queue();
    const a = q.raise(request({ app: { cmdline: ["curl", "https://a.example"], cmdlineSource: "exec" } }));
    const b = q.raise(request({ app: { cmdline: ["curl", "https://b.example"], cmdlineSource: "exec" } }));
    expect(b.promptId).toBe(a.promptId);
    expect(q.answer(a.promptId, 1000, allow("any")).rules[0]!.match.argv).toBeUndefined();
  });

  it("the app id is kept when the prompt had one, and prompts with different app ids are not merged", () => {
    const { q } = queue();
    const unit = { kind: "user-unit", uid: 1000, id: "sync.service" } as const;
    const a = q.raise(request({ app: { appId: unit } }));
    const b = q.raise(request({ app: { appId: { ...unit, id: "other.service" } } }));
    const c = q.raise(request());
    expect(new Set([a.promptId, b.promptId, c.promptId]).size).toBe(3);
    expect(q.answer(a.promptId, 1000, allow("any")).rules[0]!.match).toMatchObject({ exe: "/usr/bin/curl", appId: unit });
    // A verified Flatpak is named by its id (its executable lives in a sandbox's mount namespace).
    const ff = { exePath: "/app/bin/firefox", exePathVerified: false, flags: ["foreign_mount_ns" as const], appId: { kind: "flatpak" as const, id: "org.mozilla.firefox", verified: true } };
    const f = q.raise(request({ app: ff }));
    expect(q.answer(f.promptId, 1000, allow("any")).rules[0]!.match).toEqual({ appId: { kind: "flatpak", id: "org.mozilla.firefox" }, operation: ["connect"], protocol: ["tcp"] });
  });

  it("an executable path is matched literally: a file named ** does not become a glob", () => {
    const { q } = queue();
    const r = q.raise(request({ app: { exePath: "/home/alice/**" } }));
    const rule = q.answer(r.promptId, 1000, allow("any")).rules[0]!;
    expect(rule.match.exe).toBe("/home/alice/**");
    expect(decide(request({ app: { exePath: "/home/alice/bin/anything" } }), compileRules([rule]), T0).ruleId).toBeNull();
  });

  it.each(["path_truncated", "deleted", "foreign_mount_ns", "memfd"] as const)("a program flagged %s is answered by its kernel identity (or sha256), and asked once", (flag) => {
    const { q } = queue();
    const app = { exePath: "/usr/bin/curl", exeGeneration: 3, exePathVerified: false, flags: [flag] };
    const r = q.raise(request({ app }));
    const rule = q.answer(r.promptId, 1000, allow("any")).rules[0]!;
    expect(rule.match.exeId).toEqual({ dev: 0x800001, ino: 1234, generation: 3 });
    expect(rule.match.exe).toBeUndefined();
    const c = compileRules([rule]);
    expect(decide(request({ app: { ...app, pid: 1 } }), c, T0).ruleId).toBe(rule.id);
    expect(decide(request({ app: { ...app, exeGeneration: 4 } }), c, T0).ruleId).toBeNull();
    const hashed = q.raise(request({ app: { ...app, sha256: "ab".repeat(32) } }));
    expect(q.answer(hashed.promptId, 1000, allow("any")).rules[0]!.match).toMatchObject({ sha256: "ab".repeat(32) });
  });

  it("a process with no executable can still be answered", () => {
    const { q } = queue();
    const app = { exePath: "", exeDev: 0, exeIno: 0, exePathVerified: false, flags: ["no_exe" as const] };
    const r = q.raise(request({ app }));
    const out = q.answer(r.promptId, 1000, allow("host-port"));
    expect(out.rules[0]!.match).toEqual({ noExe: true, operation: ["connect"], protocol: ["tcp"], remoteAddress: ["192.0.2.10"], remotePort: [443] });
    expect(decide(request({ app }), compileRules(out.rules), T0).ruleId).toBe(out.rules[0]!.id);
    expect(decide(request(), compileRules(out.rules), T0).ruleId).toBeNull();
  });

  it("'domain' covers the registrable domain shown, never a public suffix (private section included)", () => {
    const cases: Array<[string, string]> = [
      ["www.example.org", "*.example.org"],
      ["alice.github.io", "*.alice.github.io"],
      ["a.b.example.co.uk", "*.example.co.uk"],
      ["github.io", "github.io"],
    ];
    for (const [host, expected] of cases) {
      const { q } = queue();
      const r = q.raise(request({ remoteHostNames: [host] }));
      expect(q.answer(r.promptId, 1000, allow("domain")).rules[0]!.match.remoteHost, host).toEqual([expected]);
    }
  });

  it("preview returns the rules an answer would make, and answers nothing", () => {
    const { q } = queue();
    const r = q.raise(request({ remoteHostNames: ["www.example.org"] }));
    const preview = q.preview(r.promptId, 1000, allow("domain", { minutes: 10 }));
    expect(preview.map((x) => [x.match.remoteHost, x.duration])).toEqual([[["*.example.org"], { kind: "minutes", minutes: 10 }]]);
    expect(q.pending(1000)).toHaveLength(1);
    const real = q.answer(r.promptId, 1000, allow("domain", { minutes: 10 }));
    expect(real.rules.map((x) => x.match)).toEqual(preview.map((x) => x.match));
    expect(() => q.preview(r.promptId, 1000, allow("any"))).toThrow(/is not pending/);
  });

  it("a 'many destinations' prompt lists the destinations it stands for; 50,000 of them never make 50,000 rules", async () => {
    const { q, shown } = queue(0);
    const raised: Array<ReturnType<PromptQueue["raise"]>> = [];
    for (let i = 0; i < 50_000; i++) raised.push(q.raise(request({ remote: { address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 443 } })));
    const first = q.pending(1000)[0]!;
    expect(first.kind).toBe("many");
    expect(first.destinations).toHaveLength(32);
    expect(first.destinations.slice(0, 2)).toEqual([{ address: "10.0.0.0", port: 443 }, { address: "10.0.0.1", port: 443 }]);
    const out = q.answer(first.id, 1000, allow("host-port"));
    expect(out.rules).toHaveLength(32);
    // Exactly the listed destinations were allowed; the others still wait on their own prompts.
    const c = compileRules(out.rules);
    expect(decide(request({ remote: { address: "10.0.0.31", port: 443 } }), c, T0).action).toBe("allow");
    expect(decide(request({ remote: { address: "10.0.0.32", port: 443 } }), c, T0).action).toBe("ask");
    expect((await raised[31]!.outcome).promptId).toBe(first.id);
    expect(shown.length).toBe(Math.ceil(50_000 / 32));
    expect(Math.max(...q.pending(1000).map((p) => p.destinations.length))).toBe(32);
  });

  it("'until the application exits' needs the process's start time, and records pid, start time and boot", () => {
    const { q } = queue();
    const r = q.raise(request({ app: { startTime: undefined } }));
    expect(() => q.answer(r.promptId, 1000, allow("any", "process"))).toThrow(/SG_ERR_ANSWER_INVALID|did not say when process 4242 started/);
    const ok = q.raise(request({ remote: { address: "192.0.2.99", port: 443 } }));
    expect(q.answer(ok.promptId, 1000, allow("any", "process")).rules[0]!.duration).toEqual({ kind: "process", pid: 4242, startTime: 777, bootId: "b1" });
  });
});
