import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSockgateError } from "@sockgate/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { identityOf, openShim, unloadShim, verdictReserve } from "./index.js";
import { createTestCgroup } from "../test/harness/cgroup.js";
import { Cleanup } from "../test/harness/cleanup.js";
import { EventCollector } from "../test/harness/events.js";
import { assertNoLeftovers, findLeftovers } from "../test/harness/leftovers.js";
import { clientPath, packagePath } from "../test/harness/names.js";
import { createNetns } from "../test/harness/netns.js";
import { runClient, startIn } from "../test/harness/spawn.js";
import { OPEN_CONFIG, openShimWithCleanup, pinDirName, PEER_TCP_PORT } from "../test/harness/world.js";
import { run } from "../test/harness/exec.js";

// The shim outlives the process that loaded it (pinned links and maps), a new process
// re-adopts it, an explicit unload removes it, and a full verdict map never means allow.

const sgclient = clientPath("sgclient");

async function setup(cleanup: Cleanup) {
  const cg = createTestCgroup(cleanup);
  const ns = createNetns(cleanup);
  const peer = { netnsPath: ns.peerPath };
  await startIn(peer, [sgclient, "serve", "tcp6", "::", String(PEER_TCP_PORT)], cleanup);
  const inside = { cgroup: cg, netnsPath: ns.path };
  const connect = () => runClient(inside, [sgclient, "connect", "tcp4", ns.peer4, String(PEER_TCP_PORT)]);
  return { cg, ns, inside, connect };
}

function linksOnCgroup(cgroupId: bigint): number {
  const links = JSON.parse(run("bpftool", ["link", "show", "-j"]) || "[]") as Array<{ cgroup_id?: number }>;
  return links.filter((l) => l.cgroup_id !== undefined && BigInt(l.cgroup_id) === cgroupId).length;
}

describe("shim lifecycle", () => {
  const cleanup = new Cleanup();
  afterEach(async () => {
    await cleanup.run();
    assertNoLeftovers();
  });

  it("keeps enforcing after the loading process is SIGKILLed, and a new process re-adopts it", async () => {
    const { cg, ns, connect } = await setup(cleanup);
    const pinDir = pinDirName();
    cleanup.add(`unload ${pinDir}`, () => void unloadShim(pinDir));
    const dist = packagePath("dist", "index.js");
    expect(existsSync(dist), `${dist} must be built (pnpm build) for the loader child`).toBe(true);

    const loader = await startIn({}, [process.execPath, packagePath("test", "fixtures", "hold-deny.mjs"), cg.path, pinDir, sgclient, ns.peer4, String(PEER_TCP_PORT)], cleanup);
    expect((await connect()).err).toBe("EACCES");
    loader.child.kill("SIGKILL");
    const gone = await loader.done;
    expect(gone.signal).toBe("SIGKILL");
    expect(gone.stdout).toContain("adopted=false");

    expect(await connect(), "enforcement survives the loader").toMatchObject({ ok: false, err: "EACCES" });
    expect(linksOnCgroup(cg.id), "one pinned link per cgroup program").toBe(12);

    const shim = openShimWithCleanup(cleanup, { cgroupPath: cg.path, pinDir });
    expect(shim.adopted).toBe(true);
    expect(shim.listVerdicts()).toEqual([
      { key: { exeDev: identityOf(sgclient).exeDev, exeIno: identityOf(sgclient).exeIno, uid: 0, op: "connect", proto: "tcp", addr: `::ffff:${ns.peer4}`, port: PEER_TCP_PORT }, value: { verdict: "deny", tag: 77 } },
    ]);
    expect(linksOnCgroup(cg.id), "adopting replaces programs in place, it does not attach twice").toBe(12);
    const events = new EventCollector(shim, cleanup);
    const r = await connect();
    expect(r.err).toBe("EACCES");
    expect(await events.waitFor((e) => e.tgid === r.pid && e.op === "connect")).toMatchObject({ verdict: "deny", tag: 77, reason: "exact" });
    expect(shim.counters().connect4.denies).toBeGreaterThanOrEqual(3n);
  });

  it("loads while its process is flooded with signals (a profiler's SIGPROF every 20 µs)", async () => {
    const cg = createTestCgroup(cleanup);
    const pinDir = pinDirName();
    cleanup.add(`unload ${pinDir}`, () => void unloadShim(pinDir));
    const profiles = mkdtempSync(join(tmpdir(), "sg-prof-"));
    cleanup.add(`remove ${profiles}`, () => rmSync(profiles, { recursive: true, force: true }));
    // The verifier stops with EAGAIN whenever a signal is pending; libbpf retries a few times only.
    const script = `const m = await import(${JSON.stringify(packagePath("dist", "index.js"))}); const s = m.openShim({ cgroupPath: ${JSON.stringify(cg.path)}, pinDir: ${JSON.stringify(pinDir)} }); console.log("loaded adopted=" + s.adopted); s.close();`;
    const r = await startIn({}, [process.execPath, "--cpu-prof", "--cpu-prof-interval", "20", "--cpu-prof-dir", profiles, "--input-type=module", "-e", script], cleanup, { readyToken: "loaded", readyTimeoutMs: 60_000 });
    const done = await r.done;
    expect(done.stdout, done.stderr).toContain("loaded adopted=false");
    expect(linksOnCgroup(cg.id)).toBe(12);
  });

  it("refuses to adopt pins attached to another cgroup", async () => {
    const { cg } = await setup(cleanup);
    const other = createTestCgroup(cleanup);
    const pinDir = pinDirName();
    openShimWithCleanup(cleanup, { cgroupPath: cg.path, pinDir }).close();
    let caught: unknown;
    try {
      openShim({ cgroupPath: other.path, pinDir }).close();
    } catch (err) {
      caught = err;
    }
    expect(isSockgateError(caught) ? caught.code : caught).toBe("SG_ERR_PIN_CGROUP_MISMATCH");
    expect(linksOnCgroup(other.id)).toBe(0);
  });

  it("an explicit unload removes every link and pin, and a denied call succeeds again", async () => {
    const { cg, ns, connect } = await setup(cleanup);
    const pinDir = pinDirName();
    const shim = openShimWithCleanup(cleanup, { cgroupPath: cg.path, pinDir, config: OPEN_CONFIG });
    shim.setVerdict({ ...identityOf(sgclient), uid: 0, op: "connect", proto: "tcp", addr: ns.peer4, port: PEER_TCP_PORT }, { verdict: "deny" });
    expect((await connect()).err).toBe("EACCES");
    shim.close();

    const removed = unloadShim(pinDir);
    expect(removed.links, "12 cgroup links and the exec/fork tracing links").toBe(14);
    expect(removed.maps).toBeGreaterThanOrEqual(6);
    expect(existsSync(pinDir), "pin dir removed").toBe(false);
    expect(linksOnCgroup(cg.id)).toBe(0);
    expect(run("bpftool", ["cgroup", "show", cg.path]).trim()).toBe("");
    expect(await connect()).toMatchObject({ ok: true });
    expect(unloadShim(pinDir), "a second unload finds nothing").toEqual({ links: 0, maps: 0 });
  });

  it("a full verdict map never means allow: the last entries are kept for denies, and a deny with no room turns that operation's allow-by-default into deny", async () => {
    const { cg, ns, inside } = await setup(cleanup);
    const shim = openShimWithCleanup(cleanup, { cgroupPath: cg.path, maxVerdicts: 32, config: OPEN_CONFIG });
    const events = new EventCollector(shim, cleanup);
    const id = identityOf(sgclient);
    const key = (port: number) => ({ ...id, uid: 0, op: "connect", proto: "tcp", addr: ns.peer4, port }) as const;
    const code = (fn: () => void): unknown => {
      try {
        fn();
      } catch (err) {
        return isSockgateError(err) ? err.code : err;
      }
      return "no error";
    };
    expect(verdictReserve(32), "16 of 32 entries are kept for denies").toBe(16);
    for (let port = 1001; port <= 1016; port++) shim.setVerdict(key(port), { verdict: "allow" });
    expect(code(() => shim.setVerdict(key(1017), { verdict: "allow" }))).toBe("SG_ERR_VERDICT_MAP_FULL");
    expect(shim.stats().verdictMapFull).toBe(1);
    // a deny still fits, and holds
    shim.setVerdict(key(PEER_TCP_PORT), { verdict: "deny", tag: 9 });
    const denied = await runClient(inside, [sgclient, "connect", "tcp4", ns.peer4, String(PEER_TCP_PORT)]);
    expect(denied).toMatchObject({ ok: false, err: "EACCES" });
    // fill the reserve with denies; updating an entry that exists never needs room
    for (let port = 2001; port <= 2015; port++) shim.setVerdict(key(port), { verdict: "deny" });
    expect(shim.listVerdicts()).toHaveLength(32);
    shim.setVerdict(key(1001), { verdict: "deny" });
    // a deny with no room at all: connect's unknown policy (allow) becomes deny, and says so
    expect(code(() => shim.setVerdict({ ...key(PEER_TCP_PORT), addr: ns.peer6 }, { verdict: "deny" }))).toBe("SG_ERR_VERDICT_MAP_FULL");
    expect(shim.stats().unknownPolicyFallbacks).toBe(1);
    expect(shim.getConfig().unknownPolicy).toMatchObject({ connect: "deny", send: "allow" });
    const r = await runClient(inside, [sgclient, "connect", "tcp6", ns.peer6, String(PEER_TCP_PORT)]);
    expect(r, "the deny that did not fit is not an allow").toMatchObject({ ok: false, err: "EACCES" });
    expect(await events.waitFor((e) => e.tgid === r.pid && e.op === "connect")).toMatchObject({ verdict: "deny", reason: "unknown" });
    // room again after a delete
    expect(shim.deleteVerdict(key(2001))).toBe(true);
    shim.setVerdict({ ...key(PEER_TCP_PORT), addr: ns.peer6 }, { verdict: "deny" });
  });

  it("events the ring buffer has no room for are counted as lost, never silently dropped", async () => {
    const { cg, ns } = await setup(cleanup);
    const shim = openShimWithCleanup(cleanup, { cgroupPath: cg.path, config: OPEN_CONFIG });
    const events = new EventCollector(shim, cleanup);
    const python = realpathSync("/usr/bin/python3");
    shim.setVerdict({ ...identityOf(python), uid: 0, op: "connect", proto: "udp", addr: ns.peer4, port: 9 }, { verdict: "deny" });
    const calls = 5000; // ~2.5 MB of 508-byte records against a 1 MiB ring buffer
    const script = `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nn = 0\nfor _ in range(${calls}):\n    try:\n        s.connect(("${ns.peer4}", 9))\n    except PermissionError:\n        n += 1\nprint(n)\n`;
    const before = shim.counters().connect4;
    // execFileSync blocks this event loop, so nothing drains the ring buffer while python runs
    const argv = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec nsenter --net="$1" -- "$2" -c "$3"', cg.path, ns.path, python, script];
    const denied = Number(execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" }).trim());
    expect(denied).toBe(calls);
    const received = (await events.settle((e) => e.op === "connect" && e.exePath === python, 1000)).length;
    const after = shim.counters().connect4;
    const lost = Number(after.lost - before.lost);
    expect(Number(after.denies - before.denies)).toBe(calls);
    expect(lost, "the burst overflowed the ring buffer").toBeGreaterThan(0);
    expect(received + lost, `received ${received} + lost ${lost}`).toBe(calls);
  });

  it("cleanup removes a loaded, pinned shim, its cgroup and namespaces when the test throws", async () => {
    const local = new Cleanup();
    let pinDir = "";
    let cgId = 0n;
    const body = async (): Promise<void> => {
      try {
        const { cg } = await setup(local);
        cgId = cg.id;
        pinDir = pinDirName();
        openShimWithCleanup(local, { cgroupPath: cg.path, pinDir });
        expect(readdirSync(pinDir).sort()).toEqual(["links", "maps", "progs"]);
        throw new Error("deliberate failure after attach");
      } finally {
        await local.run();
      }
    };
    await expect(body()).rejects.toThrow("deliberate failure after attach");
    expect(existsSync(pinDir)).toBe(false);
    expect(linksOnCgroup(cgId)).toBe(0);
    expect(findLeftovers()).toEqual([]);
  });
});
