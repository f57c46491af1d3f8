// The daemon end to end: a real sockgated process, the real kernel, a real SQLite file, and
// users alice and bob driving the API from processes of their own. Each test builds on the
// state the ones before it left (rules made, prompts answered), in order.

import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SubscriptionEvent } from "@sockgate/protocol/client";
import { assertNoLeftovers, runIn, sleep, startIn } from "@sockgate/kernel-shim/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientProcess, EventTap } from "./api/test-support/client-process.js";
import { CONNECTED, DaemonFixture, NOT_CONNECTED } from "./test-support/daemon-fixture.js";
import { DNS_SERVER, resolveThenConnect } from "./test-support/index.js";

const ANSWER_OWN = fileURLToPath(new URL("./test-support/answer-own.mjs", import.meta.url));
const TIMEOUT_MS = 4000;
const PORTS = [8080, 8081, 8082, 8083, 8084, 8085, 8086, 8087, 8088, 8089, 8090, 8091];

type PromptEvent = Extract<SubscriptionEvent, { type: "prompt" }>;
const isPrompt = (port: number) => (e: SubscriptionEvent): boolean => e.type === "prompt" && e.prompt.destination.port === port;
const allowForever = { action: "allow", scope: "host-port", duration: "forever" } as const;

describe("sockgated end to end", () => {
  const f = new DaemonFixture({ prompts: { timeoutMs: TIMEOUT_MS } });
  let alice: ClientProcess;
  let bob: ClientProcess;
  let root: ClientProcess;
  let aliceTap: EventTap;
  let bobTap: EventTap;
  let aliceRuleIds: string[] = [];

  beforeAll(async () => {
    await f.setup(PORTS);
    alice = await f.client(f.alice);
    bob = await f.client(f.bob);
    root = await f.client(null);
    aliceTap = await alice.subscribe(["prompts"]);
    bobTap = await bob.subscribe(["prompts"]);
  }, 120_000);

  afterAll(async () => {
    await f.close();
    assertNoLeftovers();
  }, 60_000);

  const answered = new Set<string>();
  async function answerNext(port: number, answer: object): Promise<PromptEvent> {
    const e = (await aliceTap.next((x) => isPrompt(port)(x) && !answered.has((x as PromptEvent).prompt.id), 10_000)) as PromptEvent;
    answered.add(e.prompt.id);
    const r = await alice.call("AnswerPrompt", { promptId: e.prompt.id, answer });
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    return e;
  }

  // the kernel's counters are everyone's activity: Status shows them to root and admins only
  async function counters(): Promise<Record<string, Record<string, number>>> {
    const r = await root.call("Status");
    return (r.ok as { counters: Record<string, Record<string, number>> }).counters;
  }

  it("curl as alice: the prompt reaches alice (never bob), allow forever lets the held connect complete", async () => {
    const curl = f.curl(f.alice, 8080);
    const e = await answerNext(8080, allowForever);
    expect(e.prompt).toMatchObject({ uid: f.alice.uid, operation: "connect", protocol: "tcp", timeoutAction: "deny", app: { exePath: "/usr/bin/curl", uid: f.alice.uid } });
    expect((await curl).code, (await curl).stderr).toSatisfy((c: number) => CONNECTED.includes(c));
    expect(bobTap.events.filter((x) => x.type === "prompt")).toEqual([]);
    const rules = await alice.call("ListRules", { owner: { kind: "user", uid: f.alice.uid } });
    const entries = (rules.ok as { rules: Array<{ rule: { id: string; match: Record<string, unknown> }; notes?: string[] }> }).rules;
    expect(entries.map((x) => x.rule.match)).toEqual([{ exe: "/usr/bin/curl", operation: ["connect"], protocol: ["tcp"], remoteAddress: [f.ns.peer4], remotePort: [8080] }]);
    expect(entries[0]!.notes, "the rule is enforced by the kernel").toBeUndefined();
    aliceRuleIds = entries.map((x) => x.rule.id);
    // who answered is in history: the answering client's pid and executable, as the kernel said
    await sleep(1200);
    const history = (await alice.call("QueryHistory", { exe: "/usr/bin/curl" })).ok as { entries: Array<{ answeredBy?: { pid: number; exe: string | null } }> };
    expect(history.entries.find((h) => h.answeredBy !== undefined)?.answeredBy).toEqual({ pid: alice.pid, exe: process.execPath });
  });

  it("curl again asks nothing and is decided in the kernel (no event, no held flow)", async () => {
    await sleep(200); // the plan is written at the end of the turn that made the rule
    const before = await counters();
    const prompts = aliceTap.events.length;
    const r = await f.curl(f.alice, 8080);
    expect(r.code, r.stderr).toSatisfy((c: number) => CONNECTED.includes(c));
    const after = await counters();
    expect(after.connect4!.allows! - before.connect4!.allows!).toBe(1);
    expect(after.connect4!.held! - before.connect4!.held!).toBe(0);
    expect(aliceTap.events.length).toBe(prompts);
    // no event per call: the kernel's per-application counters, read every second here, make history rows
    await sleep(2500);
    const history = (await alice.call("QueryHistory", { exe: "/usr/bin/curl", verdict: "allow" })).ok as { entries: Array<{ count?: number; reason: string }> };
    expect(history.entries.find((h) => h.reason.startsWith("kernel:"))).toMatchObject({ reason: expect.stringMatching(/calls answered from its entries/) });
  });

  it("python3 as alice: asked, allowed; the rule names the script (argv), so it needs the exec-time argv to match again", async () => {
    const py = ["/usr/bin/python3", "-c", `import socket; socket.create_connection(("${f.ns.peer4}", 8086), timeout=10); print("ok")`];
    const first = f.runAs(f.alice, py);
    const e = await answerNext(8086, allowForever);
    expect(e.prompt.app.exePath).toMatch(/^\/usr\/bin\/python3/);
    expect((await first).stdout.trim()).toBe("ok");
    const prompts = aliceTap.events.filter((x) => x.type === "prompt").length;
    const again = f.runAs(f.alice, py);
    if (e.prompt.app.cmdlineSource === "exec") {
      expect((await again).stdout.trim(), "decided by the rule, no prompt").toBe("ok");
      expect(aliceTap.events.filter((x) => x.type === "prompt").length).toBe(prompts);
    } else {
      // /proc/PID/cmdline can be rewritten by the process, so a rule on argv matches only the
      // argv the shim records at exec (issue 8): until then python3 is asked each time.
      await answerNext(8086, allowForever);
      expect((await again).stdout.trim()).toBe("ok");
    }
  });

  it("a deny for another destination: curl fails with connection refused, later attempts fail at once", async () => {
    const curl = f.curl(f.alice, 8081, 15, ["-v"]);
    await answerNext(8081, { action: "deny", scope: "host-port", duration: "forever" });
    const r = await curl;
    expect(r.code).toBe(NOT_CONNECTED);
    expect(r.stderr).toMatch(/Connection refused/);
    await sleep(200);
    const t = Date.now();
    const again = await f.curl(f.alice, 8081, 15, ["-v"]);
    expect(again.code).toBe(NOT_CONNECTED);
    expect(again.stderr, "the kernel's deny entry answers at once").toMatch(/Permission denied/);
    expect(Date.now() - t).toBeLessThan(1500);
    expect(aliceTap.events.filter(isPrompt(8081))).toHaveLength(1);
  });

  it("bob cannot list, answer or delete alice's prompts and rules", async () => {
    const curl = f.curl(f.alice, 8082, 10);
    const e = (await aliceTap.next(isPrompt(8082), 10_000)) as PromptEvent;
    expect((await bob.call("ListPrompts")).ok).toEqual({ prompts: [] });
    expect((await bob.call("AnswerPrompt", { promptId: e.prompt.id, answer: allowForever })).error?.code).toBe("io.sockgate.NotFound");
    const bobRules = (await bob.call("ListRules")).ok as { rules: Array<{ rule: { id: string; owner: { kind: string } }; notes?: string[] }> };
    expect(bobRules.rules.filter((x) => x.rule.owner.kind === "user")).toEqual([]);
    // the default system rules are there for everyone to see, each saying what the kernel cannot enforce of it
    const loopback = bobRules.rules.find((x) => x.rule.id === "default-loopback");
    expect(loopback?.notes?.[0]).toMatch(/not enforced on ungoverned processes.*no exact executable path/);
    expect(bobRules.rules.map((x) => x.rule.id)).toEqual(expect.arrayContaining(["default-sockets", "default-dns", "default-dhcp", "default-ntp"]));
    const status = (await bob.call("Status")).ok as { governed: { notes: string[] }; failure: Record<string, string>; kernelFeatures: Record<string, boolean> };
    expect(status.governed.notes.some((n) => n.includes("default-loopback"))).toBe(true);
    expect(status.failure).toMatchObject({ daemonStopped: "deny", nobodyListening: "deny", promptTimeout: "deny" });
    expect(status.kernelFeatures).toMatchObject({ hold: true, governedScope: true, dnsCapture: true });
    expect((await bob.call("DeleteRule", { id: aliceRuleIds[0] })).error?.code).toBe("io.sockgate.NotFound");
    expect((await bob.call("GetRule", { id: aliceRuleIds[0] })).error?.code).toBe("io.sockgate.NotFound");
    expect(bobTap.events.filter((x) => x.type === "prompt")).toEqual([]);
    // left unanswered: the timeout default (deny) applies at its deadline
    const r = await curl;
    expect(r.code).toBe(NOT_CONNECTED);
    const settled = await aliceTap.next((x) => x.type === "prompt-settled" && x.promptId === e.prompt.id, 10_000);
    expect(settled).toMatchObject({ outcome: { action: "deny", answeredBy: "timeout" } });
    expect(Date.now() - e.prompt.createdAt).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect((await alice.call("GetRule", { id: aliceRuleIds[0] })).ok).toBeDefined();
  });

  it("with no UI of alice subscribed, the 'nobody is listening' answer applies at once; the prompt waits for review", async () => {
    await alice.cancel(aliceTap);
    const t = Date.now();
    const r = await f.curl(f.alice, 8083);
    expect(r.code).toBe(NOT_CONNECTED);
    expect(Date.now() - t).toBeLessThan(1500);
    // SIGHUP reloads the configuration: "nobody is listening" now allows
    await f.reconfigure({ prompts: { timeoutMs: TIMEOUT_MS, nobodyListening: "allow" } });
    const allowed = await f.curl(f.alice, 8083);
    expect(allowed.code, allowed.stderr).toSatisfy((c: number) => CONNECTED.includes(c));
    await f.reconfigure({ prompts: { timeoutMs: TIMEOUT_MS } });
    aliceTap = await alice.subscribe(["prompts"]);
    const review = (await aliceTap.next(isPrompt(8083), 2000)) as PromptEvent;
    expect(review.prompt.uid).toBe(f.alice.uid);
    expect(f.logLines().some((l) => l.msg === "asked, nobody listening" && l.prompt === review.prompt.id)).toBe(true);
  });

  it("a process cannot answer its own prompt", async () => {
    const r = await f.runAs(f.alice, [process.execPath, ANSWER_OWN, f.socketPath, f.ns.peer4, "8084"]);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { code?: string; message?: string; promptPid: number; pid: number };
    expect(out.promptPid).toBe(out.pid);
    expect(out.code, JSON.stringify(out)).toBe("io.sockgate.PermissionDenied");
  });

  it("nor can a grandchild of it whose parent exited (re-parented, so /proc shows no tie; the shim's fork record does)", async () => {
    const r = await f.runAs(f.alice, [process.execPath, ANSWER_OWN, f.socketPath, f.ns.peer4, "8088", "double-fork"]);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { code?: string; message?: string; parameters?: { relation?: string }; answererPpid: number; shPid: number; pid: number };
    expect(out.answererPpid, "re-parented away from its sh").not.toBe(out.shPid);
    expect(out.answererPpid).not.toBe(out.pid);
    expect(out.code, JSON.stringify(out)).toBe("io.sockgate.PermissionDenied");
    expect(out.parameters?.relation).toBe("descendant");
    expect(out.message).toMatch(/recorded at fork/);
    await settledAt(8088);
  });

  /** Waits until the prompt about `port` has settled (a refused answer leaves it to its deadline), so its settling reaches no later test's count of alice's events. */
  async function settledAt(port: number): Promise<void> {
    const p = (await aliceTap.next(isPrompt(port), 10_000)) as PromptEvent;
    await aliceTap.next((x) => x.type === "prompt-settled" && x.promptId === p.prompt.id, TIMEOUT_MS + 6000);
  }

  type RelativeOut = { code?: string; message?: string; parameters?: { relation?: string }; outcome?: unknown; askerGone?: boolean; answererPid: number; askerPid: number; pid: number };
  async function relative(mode: string, port: number): Promise<RelativeOut> {
    const r = await f.runAs(f.alice, [process.execPath, ANSWER_OWN, f.socketPath, f.ns.peer4, String(port), mode]);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as RelativeOut;
    expect(out.askerPid, r.stderr).toBeGreaterThan(0);
    await settledAt(port);
    return out;
  }
  async function noRuleFor(port: number): Promise<void> {
    const rules = (await alice.call("ListRules", { owner: { kind: "user", uid: f.alice.uid } })).ok as { rules: Array<{ rule: { match: { remotePort?: number[] } } }> };
    expect(rules.rules.filter((x) => x.rule.match.remotePort?.includes(port)), "no rule was made").toEqual([]);
  }

  it("nor can its parent once it has exited (the tree recorded when it asked still counts)", async () => {
    const out = await relative("parent-after-exit", 8089);
    expect(out.askerGone, JSON.stringify(out)).toBe(true);
    expect(out.code, JSON.stringify(out)).toBe("io.sockgate.PermissionDenied");
    expect(out.parameters?.relation).toBe("ancestor");
    await noRuleFor(8089);
  });

  it("nor a child of it, re-parented, once it has exited (the shim's fork record names the dead asker)", async () => {
    const out = await relative("descendant-after-exit", 8090);
    expect(out.askerGone, JSON.stringify(out)).toBe(true);
    expect(out.answererPid).not.toBe(out.pid);
    expect(out.code, JSON.stringify(out)).toBe("io.sockgate.PermissionDenied");
    expect(out.parameters?.relation).toBe("descendant");
    await noRuleFor(8090);
  });

  it("nor an older sibling of it, in its session, while its connect is held", async () => {
    const out = await relative("sibling", 8091);
    expect(out.answererPid).not.toBe(out.pid);
    expect(out.code, JSON.stringify(out)).toBe("io.sockgate.PermissionDenied");
    expect(out.parameters?.relation).toBe("same-session");
    await noRuleFor(8091);
  });

  it("Status: alice sees her own prompts' count and no global counters; root sees everything", async () => {
    const mine = async (): Promise<number> => ((await alice.call("ListPrompts")).ok as { prompts: unknown[] }).prompts.length;
    const before = await mine();
    const s = (await alice.call("Status")).ok as Record<string, unknown> & { prompts: { pending: number } };
    // (a prompt of the tests above may time out in between)
    expect([before, await mine()]).toContain(s.prompts.pending);
    expect(s).not.toHaveProperty("counters");
    expect(s).not.toHaveProperty("maps");
    expect(s).not.toHaveProperty("flows");
    expect((await bob.call("Status")).ok?.prompts).toEqual({ pending: 0 });
    expect((await root.call("Status")).ok).toMatchObject({ prompts: { pending: expect.any(Number) }, counters: expect.any(Object), maps: expect.any(Object) });
  });

  it("host names appear in the prompt when the program resolved them from a resolver in the namespace", async () => {
    await startIn({ netnsPath: f.ns.peerPath }, [process.execPath, DNS_SERVER, f.ns.peer4, f.ns.peer4], f.cleanup);
    // python3 asks the namespace's resolver (the configured one) itself, then connects to the answer
    const script = resolveThenConnect(f.ns.peer4, "svc.sgtest.example", 8087);
    const py = f.runAs(f.alice, ["/usr/bin/python3", "-c", script]);
    const e = await answerNext(8087, allowForever);
    expect(e.prompt.destination).toMatchObject({ host: "svc.sgtest.example", address: f.ns.peer4, port: 8087 });
    const r = await py;
    expect(r.stdout.trim(), r.stderr).toBe(`ok ${f.ns.peer4}`);
    const rules = (await alice.call("ListRules", { owner: { kind: "user", uid: f.alice.uid } })).ok as { rules: Array<{ rule: { match: { remoteHost?: string[] } } }> };
    expect(rules.rules.some((x) => x.rule.match.remoteHost?.includes("svc.sgtest.example"))).toBe(true);
  });

  it("a process outside the governed scope (root here) is not asked: its unknown call is allowed at once", async () => {
    const prompts = aliceTap.events.length;
    const before = await counters();
    const r = await runIn({ cgroup: f.cgroup, netnsPath: f.ns.path }, ["curl", "-sS", "-o", "/dev/null", "--max-time", "10", `http://${f.ns.peer4}:8082/`], { timeoutMs: 15_000 });
    expect(r.code, r.stderr).toSatisfy((c: number) => CONNECTED.includes(c));
    const after = await counters();
    expect(after.connect4!.held! - before.connect4!.held!, "not held").toBe(0);
    expect(aliceTap.events.length).toBe(prompts);
  });

  /** A copy of curl in a new directory, allowed forever by alice's answer to its first fetch. */
  async function allowedFetcher(prefix: string): Promise<{ dir: string; exe: string; fetch: () => ReturnType<typeof f.runAs> }> {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    f.cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    const exe = join(dir, "fetch");
    copyFileSync("/usr/bin/curl", exe);
    chmodSync(exe, 0o755);
    const fetch = () => f.runAs(f.alice, [exe, "-sS", "-o", "/dev/null", "--max-time", "10", `http://${f.ns.peer4}:8080/`]);
    const first = fetch();
    const e = await answerNext(8080, allowForever);
    expect(e.prompt.app.exePath).toBe(exe);
    expect((await first).code).toSatisfy((c: number) => CONNECTED.includes(c));
    return { dir, exe, fetch };
  }

  /** After `exe` was replaced: the daemon plans again for it (waited for, not guessed), and the next fetch is decided in the kernel, unasked. */
  async function plannedAgainFor(exe: string, fetch: () => ReturnType<typeof f.runAs>, waitMs: number): Promise<void> {
    const replanned = (): boolean => f.logLines().some((l) => l.msg === "kernel verdicts re-planned" && String(l.reason).includes(exe));
    for (let i = 0; i < waitMs / 100 && !replanned(); i++) await sleep(100);
    expect(replanned(), `the plan was made again for ${exe}; log: ${JSON.stringify(f.logLines().filter((l) => /exe|watch|plan/.test(l.msg)).slice(-12))}`).toBe(true);
    const before = await counters();
    const prompts = aliceTap.events.length;
    const again = await fetch();
    expect(again.code, again.stderr).toSatisfy((c: number) => CONNECTED.includes(c));
    const after = await counters();
    expect(after.connect4!.held! - before.connect4!.held!, "decided in the kernel, for the new inode").toBe(0);
    expect(aliceTap.events.length).toBe(prompts);
    expect(f.logLines().some((l) => l.msg.includes("changed on disk") && l.exe === exe)).toBe(true);
  }

  it("an executable named by a rule is replaced (new inode): its kernel entries are planned again for the new file", async () => {
    const { exe, fetch } = await allowedFetcher("sg-upgrade-");
    // the upgrade: a new file renamed over the old one (inotify tells the daemon)
    copyFileSync("/usr/bin/curl", `${exe}.new`);
    chmodSync(`${exe}.new`, 0o755);
    renameSync(`${exe}.new`, exe);
    await plannedAgainFor(exe, fetch, 10_000);
  });

  it("a replacement inotify cannot see (a file bind-mounted over the executable) is found by the daemon's periodic check", async () => {
    const { dir, exe, fetch } = await allowedFetcher("sg-mount-");
    const other = join(dir, "other");
    copyFileSync("/usr/bin/curl", other);
    chmodSync(other, 0o755);
    // the path now leads to another inode, and no directory event says so
    execFileSync("mount", ["--bind", other, exe]);
    f.cleanup.add(`umount ${exe}`, () => void spawnSync("umount", [exe]));
    await plannedAgainFor(exe, fetch, 15_000);
  });

  it("a malformed message, an oversized one and an unknown version each get their error while another client keeps working", async () => {
    const hello = (v: string[]) => `${JSON.stringify({ id: 1, method: "io.sockgate.v1.Hello", parameters: { versions: v } })}\n`;
    const [malformed, oversized, version] = await Promise.all([
      alice.raw([{ text: hello(["io.sockgate.v1"]) }, { text: "{not json\n" }], 2),
      alice.raw([{ text: hello(["io.sockgate.v1"]) }, { fill: "x", count: 1024 * 1024 + 10 }, { text: "\n" }], 2, 5000),
      alice.raw([{ text: hello(["io.sockgate.v9"]) }], 1),
    ]);
    expect(malformed.replies[1]).toMatchObject({ error: "io.sockgate.InvalidMessage" });
    expect(oversized.replies[1]).toMatchObject({ error: "io.sockgate.MessageTooLarge" });
    expect(version.replies[0]).toMatchObject({ error: "io.sockgate.VersionUnsupported" });
    // no configured cgroups: only sockgate run's own (<the shim's cgroup>/sockgate.run), always governed
    expect((await bob.call("Status")).ok).toMatchObject({ daemon: { version: expect.any(String) }, governed: { cgroups: [expect.stringMatching(/\/sockgate\.run$/)] } });
  });

  it("1,000 connections by one program in a burst reach alice as a bounded number of prompts", async () => {
    const before = aliceTap.events.filter((x) => x.type === "prompt").length;
    const script = `import socket,time
socks=[]
for p in range(20000, 21000):
    s=socket.socket(); s.setblocking(False)
    try: s.connect(("${f.ns.peer4}", p))
    except (BlockingIOError, PermissionError, OSError): pass
    socks.append(s)
time.sleep(2)
print(len(socks))`;
    const r = await f.runAs(f.alice, ["/usr/bin/python3", "-c", script]);
    expect(r.stdout.trim(), r.stderr).toBe("1000");
    await sleep(500);
    const prompts = aliceTap.events.filter((x) => x.type === "prompt").length - before;
    expect(prompts).toBeGreaterThan(0);
    expect(prompts).toBeLessThanOrEqual(50);
    const many = aliceTap.events.filter((x) => x.type === "prompt" && x.prompt.kind === "many");
    expect(many.length).toBeGreaterThan(0);
  });

  it("SIGTERM: the kernel keeps its verdicts, unknown calls are denied; the restarted daemon has every rule", async () => {
    await f.kill("SIGTERM");
    const allowed = await f.curl(f.alice, 8080);
    expect(allowed.code, "the kernel's allow works with no daemon").toSatisfy((c: number) => CONNECTED.includes(c));
    const t = Date.now();
    const unknown = await f.curl(f.alice, 8085);
    expect(unknown.code).toBe(NOT_CONNECTED);
    expect(Date.now() - t, "denied at once, not held").toBeLessThan(1500);
    await f.start();
    alice = await f.client(f.alice);
    aliceTap = await alice.subscribe(["prompts"]);
    const rules = (await alice.call("ListRules", { owner: { kind: "user", uid: f.alice.uid } })).ok as { rules: Array<{ rule: { id: string } }> };
    expect(rules.rules.map((x) => x.rule.id)).toEqual(expect.arrayContaining(aliceRuleIds));
    expect(rules.rules.length).toBeGreaterThanOrEqual(3);
    const again = await f.curl(f.alice, 8080);
    expect(again.code).toSatisfy((c: number) => CONNECTED.includes(c));
  });

  it("SIGKILL: a call made while no daemon runs is held, never allowed; the next daemon re-adopts and decides it", async () => {
    await f.kill("SIGKILL");
    let done = false;
    const curl = f.curl(f.alice, 8085, 20).finally(() => (done = true));
    await sleep(1500);
    expect(done, "held while no daemon runs").toBe(false);
    await f.start();
    // The next daemon finds the flow in the kernel's pending map; alice has no UI yet, so
    // "nobody is listening" (deny) applies and the question waits for her review.
    const r = await curl;
    expect(r.code, `${r.stderr} ${JSON.stringify(f.logLines().filter((l) => JSON.stringify(l).includes("8085")))}`).toBe(NOT_CONNECTED);
    alice = await f.client(f.alice);
    aliceTap = await alice.subscribe(["prompts"]);
    const e = (await aliceTap.next(isPrompt(8085), 5000)) as PromptEvent;
    expect(e.prompt.app.exePath).toBe("/usr/bin/curl");
    const rules = (await alice.call("ListRules", { owner: { kind: "user", uid: f.alice.uid } })).ok as { rules: Array<{ rule: { id: string } }> };
    expect(rules.rules.map((x) => x.rule.id)).toEqual(expect.arrayContaining(aliceRuleIds));
  });
});
