// The API server with real peer credentials: client processes run as test users alice,
// bob and carol (carol in the admin group) against a server in this process with an
// in-memory backend. What each user may see and do is checked through the real socket.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ApiPrompt, ApiRule, SubscriptionEvent } from "@sockgate/protocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readProcStat } from "./process-tree.js";
import { ApiFixture } from "./test-support/api-fixture.js";
import type { ClientProcess } from "./test-support/client-process.js";
import { kernelHasPeerPidfd } from "./test-support/kernel.js";

const HANDED = fileURLToPath(new URL("./test-support/handed-connection.py", import.meta.url));
const fx = new ApiFixture();
let alice: ClientProcess;
let bob: ClientProcess;
let carol: ClientProcess;
let root: ClientProcess;
let bystander: ChildProcess; // a process of nobody in particular, to ask about

const rule = (id: string, owner: ApiRule["owner"], action = "allow"): ApiRule => ({ schemaVersion: 1, id, owner, action, duration: { kind: "forever" }, match: { exe: "/usr/bin/curl" } });

function prompt(id: string, uid: number, pid: number): ApiPrompt {
  const stat = readProcStat(pid);
  return {
    id,
    uid,
    kind: "single",
    app: { exePath: "/usr/bin/sleep", exeDev: 1, exeIno: 2, uid, pid, ...(stat ? { startTime: stat.startTime } : {}) },
    operation: "connect",
    protocol: "tcp",
    destination: { address: "192.0.2.7", port: 443 },
    destinations: [{ address: "192.0.2.7", port: 443 }],
    requests: 1,
    createdAt: Date.now(),
    deadline: Date.now() + 60_000,
    timeoutAction: "deny",
  };
}

const ids = (r: { ok?: Record<string, unknown> }): string[] => ((r.ok?.rules ?? []) as { rule: ApiRule }[]).map((e) => e.rule.id).sort();
const answer = { action: "allow", scope: "host", duration: "forever" };

beforeAll(async () => {
  await fx.setup();
  [alice, bob, carol, root] = await Promise.all([fx.client(fx.alice), fx.client(fx.bob), fx.client(fx.carol, { groups: "init" }), fx.client(null)]);
  bystander = spawn("sleep", ["300"], { stdio: "ignore" });
}, 60_000);

afterAll(async () => {
  bystander?.kill();
  await fx.close();
}, 60_000);

describe("who the server takes each client to be", () => {
  it("is what the kernel says: uid, gid, pid and groups of the connecting process", () => {
    expect(alice.hello?.peer).toEqual({ uid: fx.alice.uid, gid: fx.alice.gid, pid: alice.pid, groups: [], admin: false });
    expect(bob.hello?.peer).toMatchObject({ uid: fx.bob.uid, pid: bob.pid, admin: false });
    expect(carol.hello?.peer).toMatchObject({ uid: fx.carol.uid, gid: fx.carol.gid, pid: carol.pid, admin: true });
    expect(carol.hello?.peer.groups).toContain(fx.adminGroup.gid);
    expect(root.hello?.peer).toMatchObject({ uid: 0, admin: true });
  });

  it("serves a 0666 socket in a 0755 directory it created", () => {
    expect(statSync(fx.socketPath).mode & 0o777).toBe(0o666);
    expect(statSync(dirname(fx.socketPath)).mode & 0o777).toBe(0o755);
  });
});

describe("rules", () => {
  beforeAll(() => {
    fx.backend.putRule(rule("alice-1", { kind: "user", uid: fx.alice.uid }));
    fx.backend.putRule(rule("bob-1", { kind: "user", uid: fx.bob.uid }));
    fx.backend.putRule(rule("system-1", { kind: "system" }));
  });

  it("a user lists their own and the system rules; an admin lists everyone's", async () => {
    expect(ids(await alice.call("ListRules"))).toEqual(["alice-1", "system-1"]);
    expect(ids(await bob.call("ListRules"))).toEqual(["bob-1", "system-1"]);
    expect(ids(await carol.call("ListRules"))).toEqual(["alice-1", "bob-1", "system-1"]);
    expect(ids(await carol.call("ListRules", { owner: { kind: "user", uid: fx.bob.uid } }))).toEqual(["bob-1"]);
  });

  it("a user cannot list, read, change or delete another user's rules, which look like no rules", async () => {
    expect((await alice.call("ListRules", { owner: { kind: "user", uid: fx.bob.uid } })).error?.code).toBe("io.sockgate.PermissionDenied");
    expect((await alice.call("ListRules", { owner: { kind: "all" } })).error?.code).toBe("io.sockgate.PermissionDenied");
    for (const [method, parameters] of [
      ["GetRule", { id: "bob-1" }],
      ["DeleteRule", { id: "bob-1" }],
      ["DisableRule", { id: "bob-1" }],
      ["UpdateRule", { rule: { ...rule("bob-1", { kind: "user", uid: fx.bob.uid }), action: "deny" } }],
    ] as const) {
      const r = await alice.call(method, parameters);
      expect([method, r.error?.code]).toEqual([method, "io.sockgate.NotFound"]);
      expect(r.error?.message).not.toContain(String(fx.bob.uid));
    }
    expect(fx.backend.rules.get("bob-1")).toEqual({ rule: rule("bob-1", { kind: "user", uid: fx.bob.uid }), enabled: true });
  });

  it("a user adds, changes, disables and deletes their own rules; the owner defaults to them and cannot change", async () => {
    const added = await alice.call("AddRule", { rule: { id: "alice-2", action: "deny", match: {} } });
    expect(added.ok?.rule).toMatchObject({ rule: { id: "alice-2", owner: { kind: "user", uid: fx.alice.uid } }, enabled: true });
    const generated = await alice.call("AddRule", { rule: { action: "allow", match: {} }, enabled: false });
    expect(generated.ok?.rule).toMatchObject({ rule: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) }, enabled: false });
    expect((await alice.call("UpdateRule", { rule: { id: "alice-2", action: "allow", match: {} } })).ok?.rule).toMatchObject({ rule: { action: "allow" } });
    const moved = await alice.call("UpdateRule", { rule: { id: "alice-2", owner: { kind: "system" }, action: "allow", match: {} } });
    expect(moved.error?.code).toBe("io.sockgate.Conflict");
    expect((await alice.call("DisableRule", { id: "alice-2" })).ok?.rule).toMatchObject({ enabled: false });
    expect((await alice.call("EnableRule", { id: "alice-2" })).ok?.rule).toMatchObject({ enabled: true });
    expect((await alice.call("DeleteRule", { id: "alice-2" })).ok).toEqual({});
    expect(fx.backend.rules.has("alice-2")).toBe(false);
  });

  it("only admins write system rules; everyone reads them", async () => {
    expect((await alice.call("AddRule", { rule: { id: "sys-x", owner: { kind: "system" }, action: "deny", match: {} } })).error?.code).toBe("io.sockgate.PermissionDenied");
    expect((await alice.call("DisableRule", { id: "system-1" })).error?.code).toBe("io.sockgate.PermissionDenied");
    expect((await alice.call("GetRule", { id: "system-1" })).ok?.rule).toMatchObject({ rule: { id: "system-1" } });
    expect((await carol.call("AddRule", { rule: { id: "sys-2", owner: { kind: "system" }, action: "deny", match: {} } })).ok?.rule).toMatchObject({ rule: { owner: { kind: "system" } } });
    expect((await root.call("DisableRule", { id: "sys-2" })).ok?.rule).toMatchObject({ enabled: false });
    // Admins manage system rules, not other users' own rules.
    expect((await carol.call("DeleteRule", { id: "alice-1" })).error?.code).toBe("io.sockgate.PermissionDenied");
  });

  it("a taken id is a Conflict that does not say whose it is; the backend's refusals keep their names", async () => {
    const taken = await alice.call("AddRule", { rule: { id: "bob-1", action: "allow", match: {} } });
    expect(taken.error).toMatchObject({ code: "io.sockgate.Conflict", message: expect.not.stringContaining(String(fx.bob.uid)) });
    expect((await alice.call("AddRule", { rule: { action: "maybe", match: {} } })).error).toMatchObject({ code: "io.sockgate.InvalidRule", message: expect.stringMatching(/^action: /) });
    expect((await alice.call("AddRule", { rule: { id: "refused", action: "allow" } })).error?.code).toBe("io.sockgate.Conflict");
    expect((await alice.call("AddRule", { rule: { id: "explode", action: "allow" } })).error).toEqual({ code: "io.sockgate.InternalError", message: "AddRule failed inside the daemon; its log says why", parameters: {} });
  });

  it("exports a user's own rules and imports only rules of the owner imported for", async () => {
    const doc = (await alice.call("ExportRules")).ok?.document as { rules: ApiRule[] };
    expect(doc.rules.map((r) => r.id)).toContain("alice-1");
    expect(doc.rules.filter((r) => r.owner.kind !== "user" || r.owner.uid !== fx.alice.uid)).toEqual([]);
    const foreign = { format: "sockgate-rules", version: 1, rules: [rule("alice-3", { kind: "user", uid: fx.alice.uid }), rule("sys-3", { kind: "system" })] };
    const refused = await alice.call("ImportRules", { document: foreign });
    expect(refused.error).toMatchObject({ code: "io.sockgate.PermissionDenied", message: expect.stringMatching(/^document.rules\[1\] belongs to the system/) });
    expect(fx.backend.rules.has("alice-3")).toBe(false);
    expect((await alice.call("ImportRules", { document: { ...foreign, rules: foreign.rules.slice(0, 1) } })).ok).toEqual({ imported: 1, removed: 0 });
    expect((await alice.call("ImportRules", { document: foreign, owner: { kind: "system" } })).error?.code).toBe("io.sockgate.PermissionDenied");
    expect((await bob.call("ExportRules", { owner: { kind: "user", uid: fx.alice.uid } })).error?.code).toBe("io.sockgate.PermissionDenied");
  });
});

describe("history", () => {
  beforeAll(() => {
    const entry = (seq: number, uid: number, exe: string) => ({ seq, at: seq, uid, exe, op: "connect", proto: "tcp", remoteAddr: "192.0.2.1", remotePort: 80, localPort: null, host: null, verdict: "allow", reason: "rule", ruleId: null });
    fx.backend.history.push(entry(1, fx.alice.uid, "/usr/bin/curl"), entry(2, fx.bob.uid, "/usr/bin/curl"), entry(3, fx.alice.uid, "/usr/bin/wget"));
  });

  const seqs = (r: { ok?: Record<string, unknown> }): number[] => ((r.ok?.entries ?? []) as { seq: number }[]).map((e) => e.seq);

  it("a user sees only their own processes' history, filtered as asked", async () => {
    expect(seqs(await alice.call("QueryHistory"))).toEqual([1, 3]);
    expect(seqs(await alice.call("QueryHistory", { exe: "/usr/bin/curl" }))).toEqual([1]);
    expect(seqs(await bob.call("QueryHistory"))).toEqual([2]);
    expect((await bob.call("QueryHistory", { uid: fx.alice.uid })).error?.code).toBe("io.sockgate.PermissionDenied");
  });

  it("an admin sees everyone's, or one user's", async () => {
    expect(seqs(await carol.call("QueryHistory"))).toEqual([1, 2, 3]);
    expect(seqs(await carol.call("QueryHistory", { uid: fx.bob.uid }))).toEqual([2]);
  });
});

describe("prompts", () => {
  const promptEvents = (events: SubscriptionEvent[]): string[] => events.flatMap((e) => (e.type === "prompt" ? [e.prompt.id] : []));

  it("reach only the user whose process asks, and only that user answers them", async () => {
    const [aTap, bTap, cTap] = await Promise.all([alice.subscribe(["prompts"]), bob.subscribe(["prompts"]), carol.subscribe(["prompts", "activity"])]);
    expect(fx.server!.hasPromptSubscriber(fx.alice.uid)).toBe(true);
    fx.backend.raise(prompt("pa", fx.alice.uid, bystander.pid!));
    fx.backend.raise(prompt("pb", fx.bob.uid, bystander.pid!));
    fx.backend.raise(prompt("pc", fx.carol.uid, bystander.pid!));
    // Events reach each connection in the order raised: once bob and carol have their own
    // prompt, alice's (raised first) can no longer be on its way to them.
    await Promise.all([bTap.next((e) => e.type === "prompt"), cTap.next((e) => e.type === "prompt")]);
    expect([promptEvents(bTap.events), promptEvents(cTap.events)]).toEqual([["pb"], ["pc"]]);

    expect(((await bob.call("ListPrompts")).ok?.prompts as ApiPrompt[]).map((p) => p.id)).toEqual(["pb"]);
    expect((await bob.call("PreviewAnswer", { promptId: "pa", answer })).error?.code).toBe("io.sockgate.NotFound");
    expect((await bob.call("AnswerPrompt", { promptId: "pa", answer })).error?.code).toBe("io.sockgate.NotFound");
    expect((await carol.call("AnswerPrompt", { promptId: "pa", answer })).error?.code).toBe("io.sockgate.NotFound");
    expect(fx.backend.answers).toEqual([]);

    expect((await alice.call("PreviewAnswer", { promptId: "pa", answer })).ok?.rules).toHaveLength(1);
    const answered = await alice.call("AnswerPrompt", { promptId: "pa", answer });
    expect(answered.ok?.outcome).toMatchObject({ promptId: "pa", action: "allow", answeredBy: "user" });
    // The backend learns who answered: the answering process's pid and executable.
    expect(fx.backend.answers.map((a) => [a.promptId, a.peer.uid, a.peer.pid, a.peer.exe, a.peer.exeVerified])).toEqual([["pa", fx.alice.uid, alice.pid, realpathSync(process.execPath), kernelHasPeerPidfd()]]);
    // The settlement was sent after pb and pc were raised: had they been sent to alice, they would be here.
    await aTap.next((e) => e.type === "prompt-settled");
    expect(promptEvents(aTap.events)).toEqual(["pa"]);
    fx.backend.raise(prompt("pb2", fx.bob.uid, bystander.pid!));
    await bTap.next((e) => e.type === "prompt" && e.prompt.id === "pb2");
    expect(bTap.events.filter((e) => e.type === "prompt-settled")).toEqual([]);

    await Promise.all([alice.cancel(aTap), bob.cancel(bTap), carol.cancel(cTap)]);
    expect(fx.server!.hasPromptSubscriber(fx.alice.uid)).toBe(false);
    expect(fx.backend.listenerCounts).toContainEqual([fx.alice.uid, 0]);
  });

  it("a new subscriber gets the prompts already pending for it first", async () => {
    fx.backend.raise(prompt("pending-b", fx.bob.uid, bystander.pid!));
    const tap = await bob.subscribe(["prompts"]);
    await tap.next((e) => e.type === "prompt" && e.prompt.id === "pending-b");
    expect(tap.events[0]).toEqual({ type: "subscribed", topics: ["prompts"] });
    expect(promptEvents(tap.events)).not.toContain("pa");
    await bob.cancel(tap);
  });

  it("activity reaches its own user, and admins", async () => {
    const [aTap, bTap, cTap] = await Promise.all([alice.subscribe(["activity"]), bob.subscribe(["activity"]), carol.subscribe(["activity"])]);
    const act = (uid: number, exe: string) => ({ at: 1, uid, exe, op: "connect", proto: "tcp", remoteAddr: null, remotePort: null, localPort: null, host: null, verdict: "deny", reason: "rule", ruleId: null });
    fx.backend.activity(act(fx.alice.uid, "/a"));
    fx.backend.activity(act(fx.bob.uid, "/b"));
    fx.backend.activity(act(fx.alice.uid, "/a2"));
    // Each connection gets events in the order published: the last one of each user closes the window.
    await Promise.all([aTap.next((e) => e.type === "activity" && e.activity.exe === "/a2"), bTap.next((e) => e.type === "activity"), cTap.next((e) => e.type === "activity" && e.activity.exe === "/a2")]);
    const exes = (events: SubscriptionEvent[]) => events.flatMap((e) => (e.type === "activity" ? [e.activity.exe] : []));
    expect([exes(aTap.events), exes(cTap.events)]).toEqual([["/a", "/a2"], ["/a", "/b", "/a2"]]);
    expect(exes(bTap.events)).toEqual(["/b"]);
    await Promise.all([alice.cancel(aTap), bob.cancel(bTap), carol.cancel(cTap)]);
  });
});

describe("a prompt cannot be answered from the asking process's own tree", () => {
  const refusedAs = async (askerPid: number, id: string) => {
    fx.backend.raise(prompt(id, fx.alice.uid, askerPid));
    return (await alice.call("AnswerPrompt", { promptId: id, answer })).error;
  };

  it("not by the asking process itself", async () => {
    expect(await refusedAs(alice.pid, "self")).toMatchObject({ code: "io.sockgate.PermissionDenied", parameters: { relation: "same-process" } });
  });

  it("not by a process that started it", async () => {
    const child = await alice.spawnChild();
    expect(await refusedAs(child, "child")).toMatchObject({ code: "io.sockgate.PermissionDenied", parameters: { relation: "ancestor" } });
  });

  it("not by a process that started it, after it has exited: its tree was recorded when the prompt was raised", async () => {
    const child = await alice.spawnChild();
    fx.backend.raise(prompt("gone", fx.alice.uid, child));
    process.kill(child, "SIGKILL");
    for (let i = 0; i < 100 && readProcStat(child) !== undefined; i++) await new Promise((r) => setTimeout(r, 20));
    expect(readProcStat(child), "exited and reaped").toBeUndefined();
    expect((await alice.call("AnswerPrompt", { promptId: "gone", answer })).error).toMatchObject({ code: "io.sockgate.PermissionDenied", parameters: { relation: "ancestor" } });
    expect(fx.backend.answers.map((a) => a.promptId)).not.toContain("gone");
  });

  // The connection is a file descriptor: the asker can have a child connect and hand it over.
  it("not over a connection handed to the asker by a process that then exited, nor by one still running", async () => {
    for (const [mode, relation] of [["exit", "connector-gone"], ["stay", "descendant"]] as const) {
      const asker = spawn("setpriv", [`--reuid=${fx.alice.name}`, `--regid=${fx.alice.gid}`, "--clear-groups", "/usr/bin/python3", HANDED, fx.socketPath, mode], { stdio: ["pipe", "pipe", "inherit"], env: { PATH: "/usr/bin:/bin" } });
      try {
        const lines = createInterface({ input: asker.stdout! })[Symbol.asyncIterator]();
        const ready = JSON.parse(String((await lines.next()).value)) as { child: number };
        expect(readProcStat(ready.child) === undefined).toBe(mode === "exit");
        const id = `handed-${mode}`;
        fx.backend.raise(prompt(id, fx.alice.uid, asker.pid!));
        asker.stdin!.write(`${id}\n`);
        const reply = JSON.parse(String((await lines.next()).value)) as Record<string, unknown>;
        expect(reply).toMatchObject({ id: 2, error: "io.sockgate.PermissionDenied", parameters: { relation } });
        expect(fx.backend.answers.map((a) => a.promptId)).not.toContain(id);
      } finally {
        asker.kill("SIGKILL");
      }
    }
  });

  it("not by a process it started", async () => {
    // alice's client process is a child of this test process.
    expect(await refusedAs(process.pid, "parent")).toMatchObject({ code: "io.sockgate.PermissionDenied", parameters: { relation: "descendant" } });
    expect(fx.backend.answers.map((a) => a.promptId)).not.toContain("parent");
  });
});

describe("status", () => {
  it("has the backend's sections and the server's own", async () => {
    const s = (await bob.call("Status")).ok;
    expect(s).toMatchObject({ daemon: { version: "test" }, api: { interface: "io.sockgate.v1", connections: 4 } });
  });

  it("counts a user's own prompts only; an admin's, everyone's", async () => {
    const mine = fx.backend.pendingPrompts(fx.bob.uid).length;
    expect(fx.backend.pendingPrompts(fx.alice.uid).length, "alice has prompts pending").toBeGreaterThan(0);
    expect((await bob.call("Status")).ok?.prompts).toEqual({ pending: mine });
    expect((await carol.call("Status")).ok?.prompts).toEqual({ pending: fx.backend.prompts.size });
  });
});
