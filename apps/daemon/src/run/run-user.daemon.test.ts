// `sockgate run --user NAME` end to end: root starts the command as bob. The command must
// be bob in every credential (real, effective and saved ids, bob's groups, bob's HOME), its
// calls must be decided by bob's rules and asked in bob's UI (not root's), its exit status
// must be sockgate run's, and it must not get root back (no_new_privs, no reach into the
// supervisor, which was root until it became bob). Only root may pass --user.

import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoLeftovers, runIn, sleep } from "@sockgate/kernel-shim/test-harness";
import type { SubscriptionEvent } from "@sockgate/protocol/client";
import type { ClientProcess, EventTap } from "../api/test-support/client-process.js";
import { TestUsers } from "../api/test-support/users.js";
import { DaemonFixture } from "../test-support/daemon-fixture.js";
import { removeRunCgroupOnCleanup } from "./test-support/run-cgroup-cleanup.js";
import { CONNECT_EACH, PYTHON, RUN_CLIENTS, SupervisedProcess } from "./test-support/supervised-process.js";

type PromptEvent = Extract<SubscriptionEvent, { type: "prompt" }>;
const P_BOB = 8131; // bob's rule allows it
const P_ROOT = 8132; // root's rule allows it (root's rules are root's: not bob's)

// Everything the command is, as the kernel says (/proc/self/status) and as libc says.
const IDENTITY = `
import json, os
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines())
print(json.dumps({
  "uids": os.getresuid(), "gids": os.getresgid(), "groups": sorted(os.getgroups()),
  "fsuid": int(status["Uid"].split()[3]),
  "home": os.environ.get("HOME"), "user": os.environ.get("USER"), "logname": os.environ.get("LOGNAME"),
  "nnp": status["NoNewPrivs"].strip(), "capPrm": status["CapPrm"].strip(), "capEff": status["CapEff"].strip(), "capAmb": status["CapAmb"].strip(),
}), flush=True)
`;

// What the command tries to get root or the supervisor back with; each result is printed.
const REGAIN = `
import json, os, subprocess, sys
out = {}
def attempt(name, f):
    try:
        f(); out[name] = "ok"
    except OSError as e:
        out[name] = e.errno
attempt("setuid0", lambda: os.setuid(0))
attempt("setresuid0", lambda: os.setresuid(0, 0, 0))
sup = os.getppid()  # sockgate run: the supervisor, holding the seccomp listener
out["supUid"] = [int(x) for x in dict(l.split(":", 1) for l in open(f"/proc/{sup}/status").read().splitlines())["Uid"].split()]
attempt("supMem", lambda: open(f"/proc/{sup}/mem", "rb").read(1))
attempt("supEnviron", lambda: open(f"/proc/{sup}/environ", "rb").read(1))
attempt("supFds", lambda: os.listdir(f"/proc/{sup}/fd"))
# the same reads on a child of the command's own succeed: the refusals above are about the supervisor
child = subprocess.Popen(["sleep", "5"])
attempt("childEnviron", lambda: open(f"/proc/{child.pid}/environ", "rb").read(1))
attempt("childFds", lambda: os.listdir(f"/proc/{child.pid}/fd"))
child.kill(); child.wait()
out["setuidProgram"] = subprocess.run([sys.argv[1], "-u"], capture_output=True, text=True).stdout.strip()
print(json.dumps(out), flush=True)
`;


describe("sockgate run --user: root runs the command as bob", () => {
  const f = new DaemonFixture();
  const extra = new TestUsers();
  let group: { name: string; gid: number };
  let root: ClientProcess;
  let bobUi: ClientProcess;
  let bobTap: EventTap;
  let rootTap: EventTap;

  beforeAll(async () => {
    await f.setup([P_BOB, P_ROOT]);
    f.cleanup.add("remove the extra group", () => extra.remove());
    // bob gets a supplementary group, which --user must give him (initgroups)
    group = extra.group("bobs");
    execFileSync("usermod", ["--append", "--groups", group.name, f.bob.name]);
    removeRunCgroupOnCleanup(f.cleanup, f.cgroup.path);
    root = await f.client(null);
    bobUi = await f.client(f.bob);
    rootTap = await root.subscribe(["prompts"]);
    bobTap = await bobUi.subscribe(["prompts"]);
    const rule = (port: number) => ({ schemaVersion: 1, action: "allow", duration: { kind: "forever" }, match: { exe: "/usr/bin/python3.11", operation: ["connect"], remotePort: [port] } });
    expect((await bobUi.call("AddRule", { rule: rule(P_BOB) })).error).toBeUndefined();
    expect((await root.call("AddRule", { rule: rule(P_ROOT) })).error).toBeUndefined();
  }, 120_000);

  afterAll(async () => {
    await f.close();
    assertNoLeftovers();
  }, 60_000);

  /** `sockgate run [options] -- argv`, started by root. */
  const asRoot = (options: string[], argv: string[]): SupervisedProcess =>
    SupervisedProcess.start({ cgroup: f.cgroup, netnsPath: f.ns.path, user: null }, ["--socket", f.socketPath, ...options, "--", ...argv], f.cleanup);

  it("the command is bob: real, effective, saved and fs ids, bob's groups, HOME, USER and LOGNAME; no capabilities", async () => {
    const p = asRoot(["--user", f.bob.name], [PYTHON, "-c", IDENTITY]);
    const end = await p.done;
    expect(end.code, end.stderr).toBe(0);
    const home = execFileSync("getent", ["passwd", f.bob.name], { encoding: "utf8" }).split(":")[5];
    expect(p.json()[0]).toEqual({
      uids: [f.bob.uid, f.bob.uid, f.bob.uid],
      gids: [f.bob.gid, f.bob.gid, f.bob.gid],
      groups: [f.bob.gid, group.gid].sort((a, b) => a - b),
      fsuid: f.bob.uid,
      home,
      user: f.bob.name,
      logname: f.bob.name,
      nnp: "1",
      capPrm: "0000000000000000",
      capEff: "0000000000000000",
      capAmb: "0000000000000000",
    });
  });

  it("the command's exit status is sockgate run's", async () => {
    expect((await asRoot(["--user", f.bob.name], ["/bin/sh", "-c", "exit 9"]).done).code).toBe(9);
    const killed = await asRoot(["--user", f.bob.name], ["/bin/sh", "-c", "kill -TERM $$"]).done;
    expect([killed.code, killed.signal]).toEqual([null, "SIGTERM"]);
  });

  it("bob's rules decide and bob is asked: root's rule does not apply, root's UI is not asked", async () => {
    // control: as root, root's rule lets P_ROOT through (and nothing asks bob)
    const asRootItself = await asRoot([], [PYTHON, "-c", CONNECT_EACH, f.ns.peer4, String(P_ROOT)]).done;
    expect(asRootItself.stdout, asRootItself.stderr).toContain(`connected ${P_ROOT}`);

    const p = asRoot(["--user", f.bob.name], [PYTHON, "-c", CONNECT_EACH, f.ns.peer4, String(P_BOB), String(P_ROOT)]);
    await p.waitFor(new RegExp(`^connected ${P_BOB}$`, "m"));
    const asked = (await bobTap.next((e) => e.type === "prompt" && e.prompt.destination.port === P_ROOT, 10_000)) as PromptEvent;
    expect(asked.prompt).toMatchObject({ uid: f.bob.uid, operation: "connect", app: { uid: f.bob.uid } });
    // held while bob has not answered
    await sleep(300);
    expect(p.stdout).not.toContain(`${P_ROOT}`);
    expect((await bobUi.call("AnswerPrompt", { promptId: asked.prompt.id, answer: { action: "deny", scope: "host-port", duration: "once" } })).error).toBeUndefined();
    const end = await p.done;
    expect(end.stdout).toContain(`failed ${P_ROOT} 13`);
    expect(rootTap.events.filter((e) => e.type === "prompt"), "root's UI was asked nothing").toEqual([]);
  });

  it("the command cannot regain root: setuid and a setuid-root program fail, the supervisor's memory and fds are out of reach", async () => {
    const id = join(f.dir, "id-setuid");
    copyFileSync("/usr/bin/id", id);
    chownSync(id, 0, 0);
    chmodSync(id, 0o4755);
    // control: without sockgate run the setuid bit makes bob root
    const plain = await runIn({}, ["setpriv", `--reuid=${f.bob.uid}`, `--regid=${f.bob.gid}`, "--clear-groups", id, "-u"]);
    expect(plain.stdout.trim()).toBe("0");

    const p = asRoot(["--user", f.bob.name], [PYTHON, "-c", REGAIN, id]);
    const end = await p.done;
    expect(end.code, end.stderr).toBe(0);
    const EPERM = 1;
    const EACCES = 13;
    expect(p.json()[0]).toEqual({
      setuid0: EPERM,
      setresuid0: EPERM,
      // the supervisor has given up root entirely, and is not dumpable
      supUid: [f.bob.uid, f.bob.uid, f.bob.uid, f.bob.uid],
      supMem: EACCES,
      supEnviron: EACCES,
      supFds: EACCES,
      childEnviron: "ok",
      childFds: "ok",
      setuidProgram: String(f.bob.uid),
    });
  });

  it("the command cannot take the supervisor's seccomp listener (pidfd_getfd) to answer its own calls", async () => {
    const p = asRoot(["--user", f.bob.name, "--quiet"], [`${RUN_CLIENTS}sgrun-attack`, "steal", f.ns.peer4, String(P_ROOT)]);
    const end = await p.done;
    expect(end.code, end.stderr).toBe(0);
    expect(p.json().at(-1), p.stdout).toMatchObject({ stolen: false, err: "EPERM" });
  });

  it("a caller who is not root is refused --user, and nothing runs", async () => {
    const marker = join(f.dir, "ran-as-alice");
    const p = SupervisedProcess.start({ cgroup: f.cgroup, netnsPath: f.ns.path, user: f.alice }, ["--socket", f.socketPath, "--user", f.bob.name, "--", "/bin/sh", "-c", `: > ${marker}`], f.cleanup);
    const end = await p.done;
    expect(end.code).toBe(125);
    expect(end.stderr.trim()).toBe(`sockgate run: --user ${f.bob.name}: only root can run a command as another user`);
    expect(existsSync(marker)).toBe(false);
  });

  it("an unknown user is named as such, and nothing runs", async () => {
    const marker = join(f.dir, "ran-as-nobody");
    const end = await asRoot(["--user", "sgt-nosuchuser"], ["/bin/sh", "-c", `: > ${marker}`]).done;
    expect(end.code).toBe(125);
    expect(end.stderr.trim()).toBe("sockgate run: --user sgt-nosuchuser: no such user");
    expect(existsSync(marker)).toBe(false);
  });
});
