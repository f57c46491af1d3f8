import { afterEach, describe, expect, it } from "vitest";
import { openHold, openShim, type Shim } from "./index.js";
import { chainsInPlace } from "./hold/chains.js";
import { createTestCgroup } from "../test/harness/cgroup.js";
import { Cleanup } from "../test/harness/cleanup.js";
import { run, sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath, packagePath } from "../test/harness/names.js";
import { createNetns } from "../test/harness/netns.js";
import { runClient, startIn } from "../test/harness/spawn.js";
import { OPEN_CONFIG, openShimWithCleanup, pinDirName } from "../test/harness/world.js";

// A daemon that dies while flows are held: nothing passes undecided, and a new daemon
// re-adopts the pins, the chains and the pending flows and answers them. The daemons are
// separate processes (test/fixtures/hold-daemon.mjs); this process only watches, through
// bpftool: a daemon has the pin directory locked, so no second shim can open it.

const HOLD = { ...OPEN_CONFIG, unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, connect: "hold", send: "hold" } } as const;

describe("hold and ask: a killed daemon", () => {
  const cleanup = new Cleanup();
  afterEach(async () => {
    await cleanup.run();
    assertNoLeftovers();
  });

  async function world(): Promise<{ shim: Shim; cgPath: string; pinDir: string; ns: ReturnType<typeof createNetns>; inside: { cgroup: ReturnType<typeof createTestCgroup>; netnsPath: string } }> {
    const cg = createTestCgroup(cleanup);
    const ns = createNetns(cleanup);
    const pinDir = pinDirName();
    const shim = openShimWithCleanup(cleanup, { cgroupPath: cg.path, pinDir, config: HOLD });
    await startIn({ netnsPath: ns.peerPath }, [clientPath("sgclient"), "serve", "tcp6", "::", "8080"], cleanup);
    return { shim, cgPath: cg.path, pinDir, ns, inside: { cgroup: cg, netnsPath: ns.path } };
  }

  const daemon = (w: Awaited<ReturnType<typeof world>>, answer: string) =>
    startIn({}, [process.execPath, packagePath("test", "fixtures", "hold-daemon.mjs"), w.cgPath, w.pinDir, w.ns.path, answer], cleanup);

  /** Held flows in the pinned sg_pending, read without opening the shim. */
  const pinnedPending = (pinDir: string): number =>
    (JSON.parse(run("bpftool", ["map", "dump", "pinned", `${pinDir}/maps/sg_pending`, "-j"]) || "[]") as unknown[]).length;

  it("SIGKILL mid-hold: the held connect never passes undecided; a restarted daemon answers it from the pending map", async () => {
    const w = await world();
    w.shim.close(); // the pins stay; the daemons open them
    const first = await daemon(w, "none");
    const client = runClient(w.inside, [clientPath("sghold"), "connect", "tcp4", w.ns.peer4, "8080", "--timeout-ms", "20000"], { timeoutMs: 30_000 });
    const start = Date.now();
    for (let i = 0; i < 100 && pinnedPending(w.pinDir) === 0; i++) await sleep(20);
    expect(pinnedPending(w.pinDir)).toBe(1);
    await first.stop(); // SIGKILL
    // no reader: the SYN and its retransmissions (1 s, 3 s) are dropped, never passed
    await sleep(3500);
    expect(pinnedPending(w.pinDir), "still held, in the kernel alone").toBe(1);
    expect(chainsInPlace({ netnsPath: w.ns.path }), "the chains outlive the daemon").toBe(true);
    const second = await daemon(w, "allow");
    const answeredAt = Date.now();
    const r = await client;
    expect(r, "the restarted daemon answered the flow that was pending before it started").toMatchObject({ ok: true });
    expect(start + r.elapsedMs!, "not before the second daemon answered").toBeGreaterThanOrEqual(answeredAt - 50);
    expect(second.pid).toBeGreaterThan(0);
    expect(pinnedPending(w.pinDir)).toBe(0);
  });

  it("keeps other tools' chains before and after, and a restart restores sockgate's missing or displaced ones", async () => {
    const w = await world();
    const ipt = (...args: string[]): string => run("nsenter", [`--net=${w.ns.path}`, "--", "iptables", "-w", ...args]);
    // another tool's rules, present before sockgate
    ipt("-t", "raw", "-N", "OTHER-TOOL");
    ipt("-t", "raw", "-A", "OTHER-TOOL", "-p", "udp", "--dport", "4789", "-j", "NOTRACK");
    ipt("-t", "raw", "-A", "OUTPUT", "-j", "OTHER-TOOL");
    ipt("-t", "filter", "-A", "OUTPUT", "-p", "tcp", "--dport", "2375", "-j", "ACCEPT");
    const before = { raw: ipt("-t", "raw", "-S"), filter: ipt("-t", "filter", "-S") };
    const hold = await openHold(w.shim, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0 });
    expect(ipt("-t", "raw", "-S", "OUTPUT").split("\n")[1], "sockgate's jump is first").toBe("-A OUTPUT -j SOCKGATE-HOLD");
    // another tool inserts above it later; and someone deletes sockgate's filter jump
    ipt("-t", "raw", "-I", "OUTPUT", "1", "-j", "OTHER-TOOL");
    ipt("-t", "filter", "-D", "OUTPUT", "-j", "SOCKGATE-REJECT");
    expect(chainsInPlace({ netnsPath: w.ns.path })).toBe(false);
    hold.close();
    const again = await openHold(w.shim, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0 });
    expect(chainsInPlace({ netnsPath: w.ns.path }), "a restart puts them back, first").toBe(true);
    again.close({ removeChains: true });
    // exactly what sockgate added is gone; the other tool's rules (and its later duplicate jump) stay
    expect(ipt("-t", "raw", "-S")).toBe(before.raw.replace("-A OUTPUT -j OTHER-TOOL", "-A OUTPUT -j OTHER-TOOL\n-A OUTPUT -j OTHER-TOOL"));
    expect(ipt("-t", "filter", "-S")).toBe(before.filter);
    expect(w.shim.holdNamespaces(), "deregistered: calls there are denied, not held").toEqual([]);
  });

  it("re-adoption keeps holding with the pinned maps: a flow held under the first shim handle is answered through the second", async () => {
    const w = await world();
    const hold = await openHold(w.shim, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0, scanMs: 200 });
    const client = runClient(w.inside, [clientPath("sghold"), "connect", "tcp6", w.ns.peer6, "8080"], { timeoutMs: 20_000 });
    for (let i = 0; i < 100 && w.shim.pendingFlows().length === 0; i++) await sleep(20);
    hold.close();
    w.shim.close(); // a restart: the old handle goes before the new one opens
    const adopted = openShim({ cgroupPath: w.cgPath, pinDir: w.pinDir });
    cleanup.add("close adopted", () => adopted.close());
    expect(adopted.adopted).toBe(true);
    const hold2 = await openHold(adopted, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0, scanMs: 200 });
    cleanup.add("close hold2", () => hold2.close());
    hold2.onFlow((f) => hold2.resolve(f.key, { verdict: "allow", cache: "flow" }));
    expect(await client).toMatchObject({ ok: true });
  });

  it("a full sg_pending refuses new holds (pending_full), and a released flow makes room again", async () => {
    const cg = createTestCgroup(cleanup);
    const ns = createNetns(cleanup);
    const shim = openShimWithCleanup(cleanup, { cgroupPath: cg.path, maxPending: 4, config: HOLD });
    await startIn({ netnsPath: ns.peerPath }, [clientPath("sgclient"), "serve", "tcp6", "::", "8080"], cleanup);
    const hold = await openHold(shim, { namespaces: [{ netnsPath: ns.path }], chainCheckMs: 0 });
    cleanup.add("close hold", () => hold.close());
    const inside = { cgroup: cg, netnsPath: ns.path };
    const sghold = clientPath("sghold");
    const held = Array.from({ length: 4 }, () => runClient(inside, [sghold, "connect", "tcp4", ns.peer4, "8080"], { timeoutMs: 20_000 }));
    for (let i = 0; i < 200 && shim.pendingFlows().length < 4; i++) await sleep(20);
    expect(shim.pendingFlows()).toHaveLength(4);
    const refused = await runClient(inside, [sghold, "connect", "tcp4", ns.peer4, "8080"], { timeoutMs: 5000 });
    expect(refused, "the map is full: deny at once, never an unheld pass").toMatchObject({ ok: false, err: "EACCES" });
    const [first] = shim.pendingFlows();
    hold.resolve(first!.key, { verdict: "allow", cache: "flow" });
    const roomAgain = runClient(inside, [sghold, "connect", "tcp4", ns.peer4, "8080"], { timeoutMs: 20_000 });
    for (let i = 0; i < 200 && shim.pendingFlows().length < 4; i++) await sleep(20);
    expect(shim.pendingFlows()).toHaveLength(4);
    for (const p of shim.pendingFlows()) hold.resolve(p.key, { verdict: "allow", cache: "flow" });
    for (const r of await Promise.all([...held, roomAgain])) expect(r).toMatchObject({ ok: true });
    expect(shim.counters().connect4.pending_full).toBe(1n);
  });

  it("removing a namespace's chains denies its held flows and ends their sockets first: none passes at its next packet", async () => {
    const w = await world();
    const hold = await openHold(w.shim, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0 });
    cleanup.add("close hold", () => hold.close());
    const client = runClient(w.inside, [clientPath("sghold"), "connect", "tcp4", w.ns.peer4, "8080", "--timeout-ms", "8000"], { timeoutMs: 20_000 });
    for (let i = 0; i < 100 && w.shim.pendingFlows().length === 0; i++) await sleep(20);
    hold.removeNamespace(w.ns.path);
    const r = await client;
    expect(r.ok, "the held connect never completed, though its SYN retransmission met no chain").toBe(false);
    expect(["ECONNABORTED", "ECONNREFUSED"]).toContain(r.err);
    expect(chainsInPlace({ netnsPath: w.ns.path })).toBe(false);
    expect(w.shim.holdNamespaces()).toEqual([]);
  });

  it("a full queue drops what it cannot take, never passes it", async () => {
    const w = await world();
    await startIn({ netnsPath: w.ns.peerPath }, [clientPath("sghold"), "echo", "udp6", "::", "9998"], cleanup);
    const hold = await openHold(w.shim, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0, queueMaxLen: 2 });
    cleanup.add("close hold", () => hold.close());
    // five sockets, five held datagrams, no answer: the queue holds two
    const sends = Array.from({ length: 5 }, () => runClient(w.inside, [clientPath("sghold"), "sendto", "udp4", w.ns.peer4, "9998", "--timeout-ms", "1500"], { timeoutMs: 10_000 }));
    const results = await Promise.all(sends);
    expect(results.every((r) => r.sends?.[0]?.replied === false), "nothing was delivered").toBe(true);
    const q = hold.status().namespaces[0]!.queue!;
    expect(q.queueDropped, "the kernel dropped what did not fit").toBe(3);
    expect(q.queued).toBe(2);
  });
});
