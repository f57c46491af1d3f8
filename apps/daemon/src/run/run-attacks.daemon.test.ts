// `sockgate run` attacked from the supervised program (sgrun-attack): what it tries and what
// must hold. bob has no UI, so every call no rule allows is refused at once.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoLeftovers } from "@sockgate/kernel-shim/test-harness";
import { DaemonFixture } from "../test-support/daemon-fixture.js";
import { PYTHON, RUN_CLIENTS, SupervisedProcess } from "./test-support/supervised-process.js";

const ATTACK = `${RUN_CLIENTS}sgrun-attack`;
const PORT = 8121;
const FLOOD = Number(process.env.SGRUN_FLOOD ?? "1000");
const UDP_A = 8122;
const UDP_B = 8123;
const LISTEN_OK = 8124;
const LISTEN_BAD = 8125;
const BIND_OK = 8126;
const BIND_BAD = 8127;

describe("sockgate run: attacks from the supervised program", () => {
  const f = new DaemonFixture();

  beforeAll(async () => {
    await f.setup([PORT]);
  }, 120_000);

  afterAll(async () => {
    await f.close();
    assertNoLeftovers();
  }, 60_000);

  const run = (argv: string[]): SupervisedProcess =>
    SupervisedProcess.start({ cgroup: f.cgroup, netnsPath: f.ns.path, user: f.bob }, ["--socket", f.socketPath, "--quiet", "--", ATTACK, ...argv], f.cleanup);

  async function allow(match: Record<string, unknown>): Promise<void> {
    const bob = await f.client(f.bob);
    const added = await bob.call("AddRule", { rule: { schemaVersion: 1, action: "allow", duration: { kind: "forever" }, match: { exe: ATTACK, ...match } } });
    expect(added.error, JSON.stringify(added.error)).toBeUndefined();
  }

  it("cannot take sockgate run's seccomp listener (pidfd_getfd, ptrace) to answer its own calls", async () => {
    const p = run(["steal", f.ns.peer4, String(PORT)]);
    await p.waitFor(/"stolen":false|"connected"/, 20_000);
    const end = await p.done;
    expect(end.code, end.stderr).toBe(0);
    expect(p.json().at(-1), p.stdout).toMatchObject({ stolen: false, err: "EPERM" });
  });

  it("a USER_NOTIF filter of its own without a listener (prctl) only makes its own calls fail (ENOSYS)", async () => {
    const p = run(["prctl-notif"]);
    await p.done;
    expect(p.json().at(-1), p.stdout).toMatchObject({ prctl: 0, socket: -1, err: "ENOSYS" });
  });

  it("a double-forked setsid grandchild that outlives sockgate run: its later calls fail (ENOSYS), never continue", async () => {
    const p = run(["orphan", "1500"]);
    const end = await p.done; // the grandchild holds stdout open until it is done
    expect(end.code).toBe(0);
    const orphan = p.json().find((l) => l.orphan === true);
    expect(orphan, p.stdout).toMatchObject({ socket: -1, err: "ENOSYS" });
  });

  it("sendmmsg to two addresses, one allowed: the whole call is refused", async () => {
    await allow({ operation: ["socket"], protocol: ["udp"] });
    await allow({ operation: ["send"], protocol: ["udp"], remoteAddress: [f.ns.peer4], remotePort: [UDP_A] });
    const p = run(["sendmmsg", f.ns.peer4, String(UDP_A), String(UDP_B)]);
    await p.done;
    expect(p.json().at(-1), p.stdout + p.stderr).toMatchObject({ step: "sendmmsg", result: -1, err: "EACCES" });
  });

  it("a thousand threads connecting at once: every one is decided (refused), none continues undecided, and the daemon keeps serving others", async () => {
    const p = run(["flood", String(FLOOD), f.ns.peer4, String(PORT)]);
    // another user's client while the flood is decided: answered promptly
    const t0 = Date.now();
    const alice = await f.client(f.alice);
    const status = await alice.call("Status", {});
    expect(status.error, JSON.stringify(status.error)).toBeUndefined();
    expect(Date.now() - t0, "alice's Status during bob's flood (ms)").toBeLessThan(5000);
    await p.waitFor(/"threads"/, 40_000);
    const end = await p.done;
    expect(end.code, end.stderr).toBe(0);
    const r = p.json().at(-1)!;
    expect(r.threads, JSON.stringify(r)).toBe(FLOOD);
    expect(r, JSON.stringify(r)).toMatchObject({ ok: 0, other: 0, eacces: FLOOD });
  }, 60_000);

  it("cannot allow itself through the daemon's API: rule writes from a confined client are refused, reads still work", async () => {
    // the program speaks the API itself, as bob (its user), over the daemon's socket
    const code = [
      "import json, socket, sys",
      "s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rw')",
      "def call(i, method, params):",
      "    f.write(json.dumps({'id': i, 'method': 'io.sockgate.v1.' + method, 'parameters': params}) + '\\n'); f.flush()",
      "    return json.loads(f.readline())",
      "print(json.dumps(call(1, 'Hello', {'versions': ['io.sockgate.v1']})), flush=True)",
      `rule = {'schemaVersion': 1, 'action': 'allow', 'duration': {'kind': 'forever'}, 'match': {'exe': '${PYTHON}'}}`,
      "print(json.dumps(call(2, 'AddRule', {'rule': rule})), flush=True)",
      "print(json.dumps(call(3, 'ListRules', {})), flush=True)",
    ].join("\n");
    const p = SupervisedProcess.start({ cgroup: f.cgroup, netnsPath: f.ns.path, user: f.bob }, ["--socket", f.socketPath, "--quiet", "--", PYTHON, "-c", code, f.socketPath], f.cleanup);
    const end = await p.done;
    expect(end.code, end.stderr).toBe(0);
    const [hello, add, list] = p.json();
    expect(hello, p.stdout).not.toHaveProperty("error");
    expect(add, p.stdout).toMatchObject({ error: "io.sockgate.PermissionDenied" });
    expect(JSON.stringify(add)).toMatch(/no_new_privs with a seccomp filter/);
    expect(list, p.stdout).not.toHaveProperty("error");
    const bob = await f.client(f.bob);
    const rules = await bob.call("ListRules", {});
    expect(rules.error).toBeUndefined();
    expect(JSON.stringify(rules.ok), "no rule was added").not.toContain(PYTHON);
  });

  // CONTINUE would look the fd up again, so a socket dup2()ed onto it after the check would
  // listen undecided: the supervisor makes its own copy of the checked socket listen instead.
  it("listen() on an fd another thread swaps between two sockets: only the checked socket may listen", async () => {
    await allow({ operation: ["socket"], protocol: ["tcp"] });
    await allow({ operation: ["bind"], protocol: ["tcp"], localPort: [LISTEN_OK, LISTEN_BAD] });
    await allow({ operation: ["listen"], protocol: ["tcp"], localPort: [LISTEN_OK] });
    const p = run(["listenswap", String(LISTEN_OK), String(LISTEN_BAD), "300"]);
    const end = await p.done;
    expect(end.code, end.stderr).toBe(0);
    const r = p.json().at(-1)!;
    expect(r.listenedBad, JSON.stringify(r)).toBe(0);
    // each listen either made the checked socket listen or, when the daemon's own look found
    // the fd already swapped, was refused; none failed otherwise
    expect(r.other, JSON.stringify(r)).toBe(0);
    expect(Number(r.listenedOk) + Number(r.eacces), JSON.stringify(r)).toBe(300);
    expect(r.listenedOk, JSON.stringify(r)).toBeGreaterThan(0);
  }, 60_000);

  // The same for bind(), where another thread also rewrites the sockaddr's port: the kernel
  // would read both again at CONTINUE, and its bind hook can refuse but not hold.
  it("bind() with the fd and the sockaddr swapped by another thread: one socket binds, only to a port that was allowed", async () => {
    // no rule for BIND_BAD: at the system call nobody is asked (no UI) and it is refused; the
    // kernel's hook, which cannot hold, would let it through as unknown and ask afterwards
    await allow({ operation: ["socket"], protocol: ["tcp"] });
    await allow({ operation: ["bind"], protocol: ["tcp"], localPort: [BIND_OK] });
    const p = run(["bindswap", String(BIND_OK), String(BIND_BAD), "300"]);
    const end = await p.done;
    expect(end.code, end.stderr).toBe(0);
    const r = p.json().at(-1)!;
    expect(r.boundBad, JSON.stringify(r)).toBe(0);
    expect(r.boundBoth, JSON.stringify(r)).toBe(0);
    expect(r.other, JSON.stringify(r)).toBe(0);
    expect(Number(r.boundOk) + Number(r.eacces), JSON.stringify(r)).toBe(300);
    expect(r.boundOk, JSON.stringify(r)).toBeGreaterThan(0);
  }, 60_000);
});
