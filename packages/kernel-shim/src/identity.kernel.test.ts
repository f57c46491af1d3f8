import { copyFileSync, realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf, type VerdictKey } from "./index.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runClient, runIn } from "../test/harness/spawn.js";
import { createShimWorld, resetShim, PEER_TCP_PORT, PEER_UDP_PORT, type ShimWorld } from "../test/harness/world.js";
import { tempDir } from "../test/harness/temp-dir.js";

// The verdict follows the executable the kernel runs (device + inode, after symlinks),
// not its name: copies differ, symlinks resolve, real tools are matched like our client.

describe("verdicts follow the executable's identity", () => {
  let w: ShimWorld;
  let dir: string;
  const sgclient = clientPath("sgclient");

  beforeAll(async () => {
    w = await createShimWorld();
    dir = tempDir(w.cleanup);
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => resetShim(w.shim));

  const connectKey = (exe: string, port = PEER_TCP_PORT, proto: "tcp" | "udp" = "tcp"): VerdictKey => ({
    ...identityOf(exe),
    uid: 0,
    op: "connect",
    proto,
    addr: w.ns.peer4,
    port,
  });

  it("two copies of the same binary at different paths get different verdicts", async () => {
    const a = join(dir, "a-sgclient");
    const b = join(dir, "b-sgclient");
    copyFileSync(sgclient, a);
    copyFileSync(sgclient, b);
    expect(identityOf(a).exeIno).not.toBe(identityOf(b).exeIno);
    w.shim.setVerdict(connectKey(a), { verdict: "deny", tag: 1 });
    w.shim.setVerdict(connectKey(b), { verdict: "allow", tag: 2 });

    const ra = await runClient(w.inside, [a, "connect", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)]);
    const rb = await runClient(w.inside, [b, "connect", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)]);
    expect(ra).toMatchObject({ ok: false, err: "EACCES" });
    expect(rb).toMatchObject({ ok: true });
    const ea = await w.events.waitFor((e) => e.tgid === ra.pid && e.op === "connect");
    const eb = await w.events.waitFor((e) => e.tgid === rb.pid && e.op === "connect");
    expect(ea).toMatchObject({ verdict: "deny", reason: "exact", tag: 1, exePath: a, exeIno: identityOf(a).exeIno });
    expect(eb).toMatchObject({ verdict: "allow", reason: "exact", tag: 2, exePath: b, exeIno: identityOf(b).exeIno });
  });

  it("a symlink resolves to its target: the target's verdict applies and the event names the target", async () => {
    const target = join(dir, "target-sgclient");
    const link = join(dir, "link-sgclient");
    copyFileSync(sgclient, target);
    symlinkSync(target, link);
    expect(identityOf(link)).toEqual(identityOf(target));
    w.shim.setVerdict(connectKey(target), { verdict: "deny", tag: 3 });

    const r = await runClient(w.inside, [link, "connect", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)]);
    expect(r).toMatchObject({ ok: false, err: "EACCES" });
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    expect(ev).toMatchObject({ verdict: "deny", tag: 3, exePath: target, exeIno: identityOf(target).exeIno, exeDev: identityOf(target).exeDev });
  });

  it("the uid is part of the key: a deny for uid 65534 does not touch root", async () => {
    w.shim.setVerdict({ ...connectKey(sgclient), uid: 65534 }, { verdict: "deny", tag: 4 });
    const argv = [sgclient, "connect", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)];
    const nobody = await runClient(w.inside, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...argv]);
    const root = await runClient(w.inside, argv);
    expect(nobody).toMatchObject({ ok: false, err: "EACCES" });
    expect(root).toMatchObject({ ok: true });
    expect(await w.events.waitFor((e) => e.tgid === nobody.pid && e.op === "connect")).toMatchObject({ uid: 65534, gid: 65534, verdict: "deny", tag: 4 });
    expect(await w.events.waitFor((e) => e.tgid === root.pid && e.op === "connect")).toMatchObject({ uid: 0, verdict: "allow", reason: "unknown" });
  });

  it("coarser layers apply in the documented order: exact, app+addr, app+port, app+op, app", async () => {
    const id = identityOf(sgclient);
    const base = { ...id, uid: 0, op: "connect", proto: "tcp" } as const;
    const run = async (): Promise<{ step: string; err: string; reason: string; tag: number }> => {
      const r = await runClient(w.inside, [sgclient, "connect", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)]);
      const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === r.step);
      return { step: r.step, err: r.err, reason: ev.reason, tag: ev.tag };
    };
    // socket() has its own app+op allow, so only the connect layers are in play until the end
    const socketKey = { ...id, uid: 0, op: "socket", proto: "tcp" } as const;
    w.shim.setVerdict(socketKey, { verdict: "allow", tag: 10 });
    // most specific first; each step removes the layer that just matched
    w.shim.setVerdict({ ...id, uid: 0, op: "any", proto: "any" }, { verdict: "deny", tag: 15 });
    w.shim.setVerdict(base, { verdict: "allow", tag: 14 });
    w.shim.setVerdict({ ...base, port: PEER_TCP_PORT }, { verdict: "deny", tag: 13 });
    w.shim.setVerdict({ ...base, addr: w.ns.peer4 }, { verdict: "allow", tag: 12 });
    w.shim.setVerdict({ ...base, addr: w.ns.peer4, port: PEER_TCP_PORT }, { verdict: "deny", tag: 11 });
    expect(await run()).toEqual({ step: "connect", err: "EACCES", reason: "exact", tag: 11 });
    expect(w.shim.deleteVerdict({ ...base, addr: w.ns.peer4, port: PEER_TCP_PORT })).toBe(true);
    expect(await run()).toEqual({ step: "connect", err: "", reason: "app_addr", tag: 12 });
    expect(w.shim.deleteVerdict({ ...base, addr: w.ns.peer4 })).toBe(true);
    expect(await run()).toEqual({ step: "connect", err: "EACCES", reason: "app_port", tag: 13 });
    w.shim.deleteVerdict({ ...base, port: PEER_TCP_PORT });
    expect(await run()).toEqual({ step: "connect", err: "", reason: "app_op", tag: 14 });
    w.shim.deleteVerdict(base);
    expect(await run()).toEqual({ step: "connect", err: "EACCES", reason: "app", tag: 15 });
    // the whole-application layer covers every operation: without its own verdict socket() is refused too
    w.shim.deleteVerdict(socketKey);
    expect(await run()).toEqual({ step: "socket", err: "EACCES", reason: "app", tag: 15 });
    expect(w.shim.deleteVerdict(base), "deleting a missing entry says so").toBe(false);
  });

  it("the event carries the process's start time: /proc/PID/stat field 22, also for a call from a later thread", async () => {
    const python = realpathSync("/usr/bin/python3");
    // the send runs in a thread started a moment after the process: its own start time
    // differs, the event must carry the process's (the thread group leader's)
    const script = [
      "import socket, threading, time",
      "time.sleep(0.05)",
      "def send():",
      "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('" + w.ns.peer4 + "', " + PEER_UDP_PORT + "))",
      "t = threading.Thread(target=send); t.start(); t.join()",
      "print(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19])",
    ].join("\n");
    w.shim.setConfig({ reportAllows: true });
    const r = await runIn(w.inside, [python, "-c", script]);
    expect(r.code).toBe(0);
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "send");
    expect(ev.pid, "sent from a thread other than the leader").not.toBe(ev.tgid);
    expect(ev.startTime).toBeGreaterThan(0n);
    // /proc gives 1/100 s (USER_HZ) since boot; the record nanoseconds
    expect(String(ev.startTime! / 10_000_000n)).toBe(r.stdout.trim());
  });

  it("an exec keeps pid and start time and counts one more in the exec id", async () => {
    const python = realpathSync("/usr/bin/python3");
    const send = `import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('${w.ns.peer4}', ${PEER_UDP_PORT}))`;
    // sends, then becomes python3 again (same pid) and sends to the next port
    const second = send.replace(String(PEER_UDP_PORT), String(PEER_UDP_PORT + 1));
    const script = `${send}\nimport os\nos.execv(${JSON.stringify(python)}, [${JSON.stringify(python)}, "-c", ${JSON.stringify(second)}])`;
    w.shim.setConfig({ reportAllows: true });
    const r = await runIn(w.inside, [python, "-c", script]);
    expect(r.code).toBe(0);
    const before = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "send" && e.remotePort === PEER_UDP_PORT);
    const after = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "send" && e.remotePort === PEER_UDP_PORT + 1);
    expect(after.startTime).toBe(before.startTime);
    expect(before.execId).toBeGreaterThan(0n);
    expect(after.execId).toBe(before.execId! + 1n);
  });

  it("allowed calls are silent unless reportAllows is on; denies always report", async () => {
    w.shim.setConfig({ reportAllows: false });
    w.shim.setVerdict(connectKey(sgclient), { verdict: "allow", tag: 5 });
    const r = await runClient(w.inside, [sgclient, "connect", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)]);
    expect(r).toMatchObject({ ok: true });
    expect(await w.events.settle((e) => e.tgid === r.pid && e.op === "connect", 400)).toEqual([]);
  });

  describe("real tools", () => {
    it("curl: denied connect fails with exit 7, allowed connect reaches the server", async () => {
      const curl = realpathSync("/usr/bin/curl");
      const url = `http://[${w.ns.peer6}]:${PEER_TCP_PORT}/`;
      w.shim.setVerdict({ ...identityOf(curl), uid: 0, op: "connect", proto: "tcp", addr: w.ns.peer6, port: PEER_TCP_PORT }, { verdict: "deny", tag: 6 });
      const denied = await runIn(w.inside, ["curl", "-sS", "--max-time", "3", url]);
      expect(denied.code).toBe(7);
      const ev = await w.events.waitFor((e) => e.tgid === denied.pid && e.op === "connect");
      expect(ev).toMatchObject({ verdict: "deny", tag: 6, exePath: curl, comm: "curl", remoteAddr: w.ns.peer6, remotePort: PEER_TCP_PORT });

      w.shim.setVerdict({ ...identityOf(curl), uid: 0, op: "connect", proto: "tcp", addr: w.ns.peer6, port: PEER_TCP_PORT }, { verdict: "allow", tag: 6 });
      const allowed = await runIn(w.inside, ["curl", "-sS", "--max-time", "3", url]);
      // the test server closes at once: "empty reply" (52) or "connection reset" (56), never "could not connect" (7)
      expect([52, 56], `curl exit ${allowed.code}: ${allowed.stderr}`).toContain(allowed.code);
    });

    it("nc: a denied connect says Permission denied", async () => {
      const nc = realpathSync("/usr/bin/nc");
      w.shim.setVerdict({ ...identityOf(nc), uid: 0, op: "connect", proto: "tcp", addr: w.ns.peer4, port: PEER_TCP_PORT }, { verdict: "deny", tag: 7 });
      const denied = await runIn(w.inside, ["nc", "-v", "-z", "-w", "2", w.ns.peer4, String(PEER_TCP_PORT)]);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain("Permission denied");
      expect(await w.events.waitFor((e) => e.tgid === denied.pid && e.op === "connect")).toMatchObject({ verdict: "deny", exePath: nc });
      const other = await runIn(w.inside, ["nc", "-v", "-z", "-w", "2", w.ns.peer6, String(PEER_TCP_PORT)]);
      expect(other.code, "the verdict was for one address only").toBe(0);
    });

    it("python3: a denied unconnected sendto raises PermissionError (errno 13)", async () => {
      const python = realpathSync("/usr/bin/python3");
      w.shim.setVerdict({ ...identityOf(python), uid: 0, op: "send", proto: "udp", addr: w.ns.peer4, port: PEER_UDP_PORT }, { verdict: "deny", tag: 8 });
      const script = `import socket\ns = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\ntry:\n    s.sendto(b"x", ("::ffff:${w.ns.peer4}", ${PEER_UDP_PORT}))\n    print("sent")\nexcept OSError as e:\n    print("errno", e.errno)\n`;
      const r = await runIn(w.inside, [python, "-c", script]);
      expect(r.stdout.trim()).toBe("errno 13");
      expect(await w.events.waitFor((e) => e.tgid === r.pid && e.op === "send")).toMatchObject({ verdict: "deny", hook: "sendmsg4", exePath: python, remoteAddr: `::ffff:${w.ns.peer4}` });
    });
  });
});
