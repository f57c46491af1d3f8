import { copyFileSync, linkSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { abi } from "@sockgate/protocol";
import { identityOf, type VerdictKey } from "./index.js";
import { createTestCgroup } from "../test/harness/cgroup.js";
import { Cleanup } from "../test/harness/cleanup.js";
import { EventCollector } from "../test/harness/events.js";
import { run, sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath, uniqueName } from "../test/harness/names.js";
import { createNetns } from "../test/harness/netns.js";
import { runClient, runIn, startIn } from "../test/harness/spawn.js";
import { OPEN_CONFIG, createShimWorld, openShimWithCleanup, resetShim, PEER_TCP_PORT, type ShimWorld } from "../test/harness/world.js";
import { tempDir } from "../test/harness/temp-dir.js";

// The identity a call is judged by is the program the kernel executed, recorded at exec
// (issue 8): a process cannot take another program's identity, command line or inode
// number afterwards, and what the event shows is what ran.

const PY = "/usr/bin/python3";
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const DENY_UNKNOWN = { unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, connect: "deny" } } as const;
const has = (flags: number, bit: number): boolean => (flags & bit) !== 0;

describe("exec-time identity", () => {
  let w: ShimWorld;
  let dir: string;
  const sgclient = clientPath("sgclient");

  beforeAll(async () => {
    w = await createShimWorld();
    expect(w.shim.identitySource).toEqual({ active: true, reason: "" });
    dir = tempDir(w.cleanup);
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => resetShim(w.shim));

  const connectKey = (exe: string, uid = 0): VerdictKey => ({
    ...identityOf(exe),
    uid,
    op: "connect",
    proto: "tcp",
    addr: w.ns.peer4,
    port: PEER_TCP_PORT,
  });
  const connectArgs = (): string[] => ["tcp4", w.ns.peer4, String(PEER_TCP_PORT)];

  it("a process that makes curl its exe_file (user namespace + PR_SET_MM_MAP) is still judged as itself", async () => {
    w.shim.setConfig(DENY_UNKNOWN);
    w.shim.setVerdict(connectKey("/usr/bin/curl", 65534), { verdict: "allow", tag: 1 });
    const masq = clientPath("sgmasq");
    const r = await runClient(w.inside, [...NOBODY, masq, "/usr/bin/curl", ...connectArgs()]);
    expect((r as unknown as { exe: string }).exe, "the swap itself worked: /proc/PID/exe says curl").toBe("/usr/bin/curl");
    expect(r, "curl's allow does not apply to it").toMatchObject({ ok: false, err: "EACCES", step: "connect" });
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    expect(ev).toMatchObject({ verdict: "deny", reason: "unknown", exePath: masq, exeIno: identityOf(masq).exeIno });
    expect(has(ev.flags, abi.EVENT_FLAG_EXE_CHANGED), "flagged: its exe_file is not what it executed").toBe(true);
    expect(has(ev.flags, abi.EVENT_FLAG_UNRECORDED)).toBe(false);
  });

  it("the event's argv is the one executed, not what the process wrote over it (or /proc/PID/cmdline shows)", async () => {
    const sgargv = clientPath("sgargv");
    const r = await runClient(w.inside, [sgargv, "python3 /home/a/backup.py", ...connectArgs()]);
    expect((r as unknown as { cmdline: string }).cmdline, "the process did rewrite its cmdline").toBe("python3 /home/a/backup.py");
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    expect(ev.argv).toEqual([sgargv, "python3 /home/a/backup.py", ...connectArgs()]);
    expect(ev.exePath).toBe(sgargv);
  });

  it("an interpreter's script is in the recorded argv; a long command line is cut and flagged", async () => {
    const script = join(dir, "fetch.py");
    writeFileSync(script, `import socket\nsocket.create_connection(("${w.ns.peer4}", ${PEER_TCP_PORT}), 3).close()\n`);
    const long = "x".repeat(200);
    const r = await runIn(w.inside, [PY, script, long]);
    expect(r.code).toBe(0);
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    expect(ev.exePath).toBe(realpathSync(PY));
    expect(ev.argv.slice(0, 2)).toEqual([PY, script]);
    expect(has(ev.flags, abi.EVENT_FLAG_ARGV_TRUNCATED)).toBe(true);
    expect(ev.argv[2]!.length, "cut at 128 bytes in all").toBe(abi.ARGV_MAX - PY.length - 1 - script.length - 1);
  });

  it("a forked child and a thread are judged as the process's executable", async () => {
    const code = [
      "import os, socket, threading",
      `dst = ("${w.ns.peer4}", ${PEER_TCP_PORT})`,
      "def go(): socket.create_connection(dst, 3).close()",
      "t = threading.Thread(target=go); t.start(); t.join()",
      "pid = os.fork()",
      "if pid == 0:\n    go(); os._exit(0)",
      "os.waitpid(pid, 0); print(pid, flush=True)",
    ].join("\n");
    const r = await runIn(w.inside, [PY, "-c", code]);
    expect(r.code, r.stderr).toBe(0);
    const child = Number(r.stdout.trim());
    const py = identityOf(PY);
    const thread = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    const forked = await w.events.waitFor((e) => e.tgid === child && e.op === "connect");
    for (const ev of [thread, forked]) {
      expect(ev).toMatchObject({ exeIno: py.exeIno, exePath: realpathSync(PY) });
      expect(ev.argv.slice(0, 2)).toEqual([PY, "-c"]);
      expect(has(ev.flags, abi.EVENT_FLAG_UNRECORDED)).toBe(false);
    }
    expect(thread.pid, "the thread's own id").not.toBe(r.pid);
  });

  it("a thread other than the leader that execs takes the new program's identity (the exec makes it the leader)", async () => {
    w.shim.setConfig(DENY_UNKNOWN);
    w.shim.setVerdict(connectKey(PY), { verdict: "allow", tag: 8 });
    // python3 (allowed) execs sgclient (unknown: denied) from a second thread
    const code = ["import os, sys, threading", `t = threading.Thread(target=lambda: os.execv(${JSON.stringify(sgclient)}, [${JSON.stringify(sgclient)}, "connect", *sys.argv[1:]]))`, "t.start(); t.join()"].join("\n");
    const r = await runClient(w.inside, [PY, "-c", code, ...connectArgs()]);
    expect(r, "python3's allow does not follow the exec").toMatchObject({ ok: false, err: "EACCES" });
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    expect(ev).toMatchObject({ verdict: "deny", reason: "unknown", exePath: sgclient, exeIno: identityOf(sgclient).exeIno });
    expect(ev.argv.slice(0, 2)).toEqual([sgclient, "connect"]);
    expect(has(ev.flags, abi.EVENT_FLAG_UNRECORDED)).toBe(false);
  });

  it("an io_uring connect run by an io-wq worker (IOSQE_ASYNC) is judged as its process", async () => {
    const sguring = clientPath("sguring");
    w.shim.setVerdict(connectKey(sguring), { verdict: "deny", tag: 5 });
    const denied = await runClient(w.inside, [sguring, ...connectArgs()]);
    expect(denied).toMatchObject({ ok: false, err: "EACCES" });
    const ev = await w.events.waitFor((e) => e.tgid === denied.pid && e.op === "connect");
    expect(ev).toMatchObject({ verdict: "deny", tag: 5, exePath: sguring, exeIno: identityOf(sguring).exeIno });
    expect(ev.pid, "run on a worker thread, not the submitting task").not.toBe(denied.pid);
    w.shim.setVerdict(connectKey(sguring), { verdict: "allow", tag: 6 });
    expect(await runClient(w.inside, [sguring, ...connectArgs()])).toMatchObject({ ok: true });
  });

  it("a hard link reports the path it was run by", async () => {
    const a = join(dir, "first-name");
    const b = join(dir, "second-name");
    copyFileSync(sgclient, a);
    linkSync(a, b);
    for (const path of [a, b]) {
      const r = await runClient(w.inside, [path, "connect", ...connectArgs()]);
      const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
      expect(ev.exePath).toBe(path);
      expect(ev.exeIno).toBe(identityOf(a).exeIno);
    }
  });

  it("a memfd exec is named memfd:NAME and flagged; an unlinked executable is flagged deleted", async () => {
    const deleted = join(dir, "soon-gone");
    copyFileSync(sgclient, deleted);
    const code = (how: "memfd" | "unlinked"): string =>
      [
        "import os",
        how === "memfd"
          ? `fd = os.memfd_create("sgtool", 0); os.write(fd, open("${sgclient}", "rb").read())`
          : `fd = os.open("${deleted}", os.O_RDONLY); os.unlink("${deleted}")`,
        `os.execv(f"/proc/self/fd/{fd}", ["sgtool", "connect", "tcp4", "${w.ns.peer4}", "${PEER_TCP_PORT}"])`,
      ].join("\n");
    const m = await runClient(w.inside, [PY, "-c", code("memfd")]);
    const mev = await w.events.waitFor((e) => e.tgid === m.pid && e.op === "connect");
    expect(mev.exePath).toBe("memfd:sgtool");
    expect(has(mev.flags, abi.EVENT_FLAG_MEMFD)).toBe(true);
    const d = await runClient(w.inside, [PY, "-c", code("unlinked")]);
    const dev = await w.events.waitFor((e) => e.tgid === d.pid && e.op === "connect");
    expect(has(dev.flags, abi.EVENT_FLAG_DELETED)).toBe(true);
    expect(has(mev.flags, abi.EVENT_FLAG_DELETED), "a memfd is not 'deleted'").toBe(false);
  });

  it("a path built in another mount namespace (a bind mount over curl) is flagged, and the inode is the real one", async () => {
    const script = `mount --bind ${sgclient} /usr/bin/curl && exec /usr/bin/curl connect tcp4 ${w.ns.peer4} ${PEER_TCP_PORT}`;
    const r = await runClient(w.inside, ["unshare", "-m", "--propagation", "private", "sh", "-c", script]);
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    expect(ev.exeIno, "the bound file, whatever the path says").toBe(identityOf(sgclient).exeIno);
    expect(has(ev.flags, abi.EVENT_FLAG_FOREIGN_MNTNS)).toBe(true);
    expect(identityOf("/usr/bin/curl").exeIno, "the host's curl is untouched").not.toBe(identityOf(sgclient).exeIno);
  });

  it("a verdict made for one file generation does not apply to another (tmpfs)", async () => {
    w.shim.setConfig(DENY_UNKNOWN);
    const tool = join(dir, "gen-tool");
    copyFileSync(sgclient, tool);
    const first = await runClient(w.inside, [tool, "connect", ...connectArgs()]);
    const ev = await w.events.waitFor((e) => e.tgid === first.pid && e.op === "connect");
    const gen = ev.exeGeneration;
    expect(gen, "tmpfs gives files a random generation").not.toBe(0);
    w.shim.setVerdict(connectKey(tool), { verdict: "allow", exeGeneration: (gen + 1) >>> 0 });
    expect(await runClient(w.inside, [tool, "connect", ...connectArgs()]), "another generation: no entry").toMatchObject({ ok: false, err: "EACCES" });
    w.shim.setVerdict(connectKey(tool), { verdict: "allow", exeGeneration: gen });
    expect(await runClient(w.inside, [tool, "connect", ...connectArgs()])).toMatchObject({ ok: true });
    w.shim.setVerdict(connectKey(tool), { verdict: "allow" });
    expect(await runClient(w.inside, [tool, "connect", ...connectArgs()]), "no generation given: any").toMatchObject({ ok: true });
  });

  it("a file that gets a deleted binary's inode number does not inherit its verdict (ext4)", async () => {
    const image = join(dir, "ext4.img");
    const mnt = join(dir, "ext4");
    mkdirSync(mnt);
    run("truncate", ["-s", "16M", image]);
    run("mkfs.ext4", ["-q", "-F", image]);
    run("mount", ["-o", "loop", image, mnt]);
    w.cleanup.add(`umount ${mnt}`, () => void run("umount", [mnt]));
    w.shim.setConfig(DENY_UNKNOWN);
    const allowed = join(mnt, "allowed-tool");
    copyFileSync(sgclient, allowed);
    const probe = await runClient(w.inside, [allowed, "connect", ...connectArgs()]);
    const gen = (await w.events.waitFor((e) => e.tgid === probe.pid && e.op === "connect")).exeGeneration;
    const key = connectKey(allowed);
    w.shim.setVerdict(key, { verdict: "allow", exeGeneration: gen });
    expect(await runClient(w.inside, [allowed, "connect", ...connectArgs()])).toMatchObject({ ok: true });
    rmSync(allowed);
    // ext4 hands the freed inode number to the next file created in that directory
    const other = join(mnt, "other-tool");
    copyFileSync(sgclient, other);
    expect(BigInt(statSync(other).ino), "the inode number was reused").toBe(key.exeIno);
    const r = await runClient(w.inside, [other, "connect", ...connectArgs()]);
    expect(r, "the new file is not the allowed one").toMatchObject({ ok: false, err: "EACCES" });
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "connect");
    expect(ev.exeGeneration).not.toBe(gen);
    // without the generation in the entry, the reused number would have inherited it
    w.shim.setVerdict(key, { verdict: "allow" });
    expect(await runClient(w.inside, [other, "connect", ...connectArgs()])).toMatchObject({ ok: true });
  });
});

describe("identities on kernels without exec-time records (call-time fallback)", () => {
  let w: ShimWorld;
  beforeAll(async () => {
    w = await createShimWorld({ execIdentity: false });
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  it("says why, flags its events unrecorded, and (the limit it documents) cannot stop the exe_file swap", async () => {
    expect(w.shim.identitySource).toEqual({ active: false, reason: "exec-time identities were turned off" });
    w.shim.setConfig(DENY_UNKNOWN);
    w.shim.setVerdict(
      { ...identityOf("/usr/bin/curl"), uid: 65534, op: "connect", proto: "tcp", addr: w.ns.peer4, port: PEER_TCP_PORT },
      { verdict: "allow", tag: 1 },
    );
    const sgclient = clientPath("sgclient");
    const plain = await runClient(w.inside, [sgclient, "connect", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)]);
    const ev = await w.events.waitFor((e) => e.tgid === plain.pid && e.op === "connect");
    expect(ev).toMatchObject({ exePath: sgclient, argv: [] });
    expect(has(ev.flags, abi.EVENT_FLAG_UNRECORDED)).toBe(true);
    const r = await runClient(w.inside, [...NOBODY, clientPath("sgmasq"), "/usr/bin/curl", "tcp4", w.ns.peer4, String(PEER_TCP_PORT)]);
    expect(r, "read at the call, the identity is curl's").toMatchObject({ ok: true });
  });
});

describe("processes older than the shim", () => {
  const cleanup = new Cleanup();
  afterAll(async () => {
    await cleanup.run();
    assertNoLeftovers();
  });

  it("get a record when it loads (from the file they run then), so their calls keep an identity", async () => {
    const cg = createTestCgroup(cleanup);
    const ns = createNetns(cleanup);
    const flag = join(realpathSync("/tmp"), uniqueName());
    cleanup.add(`remove ${flag}`, () => rmSync(flag, { force: true }));
    const code = [
      "import os, socket, time",
      'print("ready", flush=True)',
      `while not os.path.exists("${flag}"): time.sleep(0.02)`,
      `socket.create_connection(("${ns.peer4}", ${PEER_TCP_PORT}), 3).close()`,
      'print("done", flush=True)',
    ].join("\n");
    await startIn({ netnsPath: ns.peerPath }, [clientPath("sgclient"), "serve", "tcp6", "::", String(PEER_TCP_PORT)], cleanup);
    const old = await startIn({ cgroup: cg, netnsPath: ns.path }, [PY, "-c", code], cleanup);
    const shim = openShimWithCleanup(cleanup, { cgroupPath: cg.path, config: { ...OPEN_CONFIG, reportAllows: true } });
    const events = new EventCollector(shim, cleanup);
    writeFileSync(flag, "");
    const ev = await events.waitFor((e) => e.tgid === old.pid && e.op === "connect", 5000);
    expect(ev).toMatchObject({ exeIno: identityOf(PY).exeIno, exePath: realpathSync(PY), verdict: "allow" });
    expect(ev.argv.slice(0, 2)).toEqual([PY, "-c"]);
    expect(has(ev.flags, abi.EVENT_FLAG_UNRECORDED | abi.EVENT_FLAG_NO_EXE)).toBe(false);
    expect(existsSync(flag)).toBe(true);
    await sleep(0);
  });
});
