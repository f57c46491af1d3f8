// `sockgate run` and the kernel's own hooks, end to end: CONTINUE lets the kernel re-read
// the sockaddr, so the kernel decides the address a connect really uses. A second thread
// swapping the sockaddr after the supervisor's check never reaches the swapped address.
// io_uring never meets seccomp: its connects are decided by the kernel's hooks alone,
// and --no-io-uring refuses the ring itself.

import { describe, expect, it } from "vitest";
import { sleep } from "@sockgate/kernel-shim/test-harness";
import { PromptingDaemon } from "./test-support/prompting-daemon.js";
import type { PromptEvent } from "./test-support/prompting-daemon.js";
import { RUN_CLIENTS, SupervisedProcess } from "./test-support/supervised-process.js";
import type { TestUser } from "../api/test-support/users.js";

const A_PORT = 8101;
const B_PORT = 8102;
const URING_PORT = 8103;
const RACE = `${RUN_CLIENTS}sgrun-race`;
const URING = `${RUN_CLIENTS}sgrun-uring`;

describe("sockgate run: the kernel decides what the program really does", () => {
  const w = new PromptingDaemon([A_PORT, B_PORT, URING_PORT]);
  const f = w.f;

  const run = (user: TestUser, argv: string[]): SupervisedProcess =>
    SupervisedProcess.start({ cgroup: f.cgroup, netnsPath: f.ns.path, user }, ["--socket", f.socketPath, "--quiet", ...argv], f.cleanup);

  it("a second thread swapping the sockaddr after the check: EACCES or the kernel's refusal, never a connect to the swapped address", async () => {
    // bob has no UI: a question about B is refused at once, at the system call or in the kernel
    const bob = await f.client(f.bob);
    const added = await bob.call("AddRule", {
      rule: { schemaVersion: 1, action: "allow", duration: { kind: "forever" }, match: { exe: RACE, operation: ["connect"], protocol: ["tcp"], remoteAddress: [f.ns.peer4], remotePort: [A_PORT] } },
    });
    expect(added.error, JSON.stringify(added.error)).toBeUndefined();
    const race = run(f.bob, ["--", RACE, f.ns.peer4, String(A_PORT), f.ns.peer4, String(B_PORT), "400"]);
    const end = await race.done;
    expect(end.code, end.stderr).toBe(0);
    const r = race.json().at(-1)!;
    expect(r.reachedB, JSON.stringify(r)).toBe(0);
    expect(r.other, JSON.stringify(r)).toBe(0);
    // the race happened: some connects were checked with A and refused by the kernel for B
    expect(r.refused as number, JSON.stringify(r)).toBeGreaterThan(0);
    expect((r.reachedA as number) + (r.eacces as number) + (r.refused as number)).toBe(400);
    // the kernel's refusals were its own: held and decided with bob's rules (none for B)
    const held = f.logLines().filter((l) => l.component === "hold" && l.verdict === "deny" && l.uid === f.bob.uid);
    expect(held.length).toBeGreaterThan(0);
  }, 60_000);

  it("an io_uring connect skips seccomp and is still held by the kernel: denied, then allowed", async () => {
    const denied = run(f.alice, ["--", URING, f.ns.peer4, String(URING_PORT)]);
    const p1 = (await w.tap.next((e) => e.type === "prompt" && e.prompt.operation === "connect" && e.prompt.destination.port === URING_PORT, 10_000)) as PromptEvent;
    expect(p1.prompt.app.exePath).toBe(URING);
    await sleep(300);
    expect(denied.stdout).not.toContain('"step":"connect"');
    expect((await w.ui.call("AnswerPrompt", { promptId: p1.prompt.id, answer: { action: "deny", scope: "host-port", duration: "once" } })).error).toBeUndefined();
    await denied.done;
    expect(denied.json().at(-1)).toMatchObject({ ok: false, step: "connect", err: "ECONNREFUSED" });

    const allowed = run(f.alice, ["--", URING, f.ns.peer4, String(URING_PORT)]);
    const p2 = (await w.tap.next((e) => e.type === "prompt" && e.prompt.destination.port === URING_PORT && e.prompt.id !== p1.prompt.id, 10_000)) as PromptEvent;
    expect((await w.ui.call("AnswerPrompt", { promptId: p2.prompt.id, answer: { action: "allow", scope: "host-port", duration: "once" } })).error).toBeUndefined();
    await allowed.done;
    expect(allowed.json().at(-1)).toMatchObject({ ok: true, step: "connect" });
  });

  it("--no-io-uring: the ring cannot be made (EPERM)", async () => {
    const p = run(f.alice, ["--no-io-uring", "--", URING, f.ns.peer4, String(URING_PORT)]);
    await p.done;
    expect(p.json().at(-1)).toMatchObject({ ok: false, step: "io_uring_setup", err: "EPERM" });
  });
});
