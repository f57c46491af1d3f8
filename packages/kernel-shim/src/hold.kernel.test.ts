import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf, openHold, type FlowDecision, type HeldFlow, type Hold } from "./index.js";
import { run, sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runClient, runIn, startIn } from "../test/harness/spawn.js";
import { createShimWorld, HOLD_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// Outbound holds: a connect() or a first datagram with no verdict waits in NFQUEUE until
// the test (playing the daemon) answers. The client runs in the test cgroup and client
// namespace, where the hold chains and the queue reader are installed.

const ECHO_PORT = 9998;
const KEEP_PORT = 8090;

describe("hold and ask: outbound", () => {
  let w: ShimWorld;
  let hold: Hold;
  const sghold = clientPath("sghold");
  const id = identityOf(sghold);
  /** What the test answers for each held flow; default: never (the test answers by hand). */
  let answer: (f: HeldFlow) => { afterMs: number; decision: FlowDecision } | undefined;
  const seen: HeldFlow[] = [];

  beforeAll(async () => {
    w = await createShimWorld();
    await startIn(w.peer, [sghold, "echo", "udp6", "::", String(ECHO_PORT)], w.cleanup);
    await startIn(w.peer, [sghold, "keep", "tcp6", "::", String(KEEP_PORT)], w.cleanup);
    hold = await openHold(w.shim, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0 });
    w.cleanup.add("close hold", () => hold.close());
    hold.onFlow((f) => {
      seen.push(f);
      const a = answer(f);
      if (a) setTimeout(() => hold.resolve(f.key, a.decision), a.afterMs);
    });
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => {
    resetShim(w.shim);
    w.shim.setConfig(HOLD_CONFIG);
    seen.length = 0;
    answer = () => undefined;
  });

  const allowAfter = (ms: number): typeof answer => () => ({ afterMs: ms, decision: { verdict: "allow", cache: "flow" } });

  it.each([
    ["blocking", [] as string[]],
    ["non-blocking", ["--nonblock"]],
  ])("a %s TCP connect waits 2 s for its answer, then connects", async (_, flags) => {
    answer = allowAfter(2000);
    const r = await runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, "8080", ...flags], { timeoutMs: 15_000 });
    expect(r).toMatchObject({ ok: true });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1900);
    expect(r.elapsedMs).toBeLessThan(4000);
    if (flags.length) expect(r.firstErr).toBe("EINPROGRESS");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ key: { addr: `::ffff:${w.ns.peer4}`, port: 8080, proto: "tcp" }, pending: { op: "connect", uid: 0, exeIno: id.exeIno } });
    const held = await w.events.waitFor((e) => e.tgid === r.pid && e.verdict === "held", 3000, "held event");
    expect(held).toMatchObject({ op: "connect", reason: "unknown", exePath: sghold });
  });

  // tcp6 to a v4-mapped peer runs connect6 and is keyed like the tcp4 one
  const PEERS = [
    ["IPv4", "tcp4", (x: ShimWorld) => x.ns.peer4, (x: ShimWorld) => `::ffff:${x.ns.peer4}`],
    ["IPv6", "tcp6", (x: ShimWorld) => x.ns.peer6, (x: ShimWorld) => x.ns.peer6],
    ["v4-mapped", "tcp6", (x: ShimWorld) => `::ffff:${x.ns.peer4}`, (x: ShimWorld) => `::ffff:${x.ns.peer4}`],
  ] as const;

  it.each(PEERS)("%s: a held connect answered deny fails with ECONNREFUSED, and the next attempt with EACCES at once", async (_, p, addr, keyAddr) => {
    answer = () => ({ afterMs: 300, decision: { verdict: "deny", cache: "identity", tag: 77 } });
    const r = await runClient(w.inside, [sghold, "connect", p, addr(w), "8080", "--again"], { timeoutMs: 15_000 });
    expect(r).toMatchObject({ ok: false, err: "ECONNREFUSED", againErr: "EACCES" });
    expect(seen).toHaveLength(1);
    expect(w.shim.listVerdicts()).toContainEqual({
      key: { exeIno: id.exeIno, exeDev: id.exeDev, uid: 0, op: "connect", proto: "tcp", addr: keyAddr(w), port: 8080 },
      value: { verdict: "deny", tag: 77 },
    });
    const denied = await w.events.waitFor((e) => e.tgid === r.pid && e.verdict === "deny", 3000, "deny event of the second attempt");
    expect(denied).toMatchObject({ reason: "exact", tag: 77 });
  });

  it.each(PEERS)("%s: the first UDP datagram is held until allowed; a second destination of the same socket is held separately", async (_, p, addr, keyAddr) => {
    const udp = p.replace("tcp", "udp");
    const first = keyAddr(w);
    // the second destination is the same host's other UDP port (the harness's silent UDP server)
    answer = (f) => (f.key.port === ECHO_PORT ? { afterMs: 800, decision: { verdict: "allow", cache: "flow" } } : { afterMs: 300, decision: { verdict: "deny", cache: "flow" } });
    const r = await runClient(w.inside, [sghold, "sendto", udp, addr(w), String(ECHO_PORT), addr(w), "9999", "--timeout-ms", "3000", "--again"], { timeoutMs: 15_000 });
    expect(r.sends).toHaveLength(2);
    expect(r.sends![0]).toMatchObject({ errno: 0, replied: true });
    expect(r.sends![0]!.elapsedMs).toBeGreaterThanOrEqual(700);
    expect(r.sends![1], "the denied destination's first datagram is dropped, never delivered").toMatchObject({ replied: false });
    expect(r.again, "later datagrams: the allowed flow passes, the denied one fails at once").toEqual(["", "EACCES"]);
    expect(seen.map((f) => [f.key.addr, f.key.port]).sort()).toEqual([[first, ECHO_PORT], [first, 9999]].sort());
    expect(new Set(seen.map((f) => f.key.cookie)).size, "one socket, two flows").toBe(1);
  });

  it("an established connection ends when its allow is withdrawn", async () => {
    answer = () => ({ afterMs: 0, decision: { verdict: "allow", cache: "identity", tag: 5 } });
    const proc = runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, String(KEEP_PORT), "--hold-open-ms", "8000"], { timeoutMs: 15_000 });
    // wait until the connection is up (the flow was answered) and has lived a moment
    for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(20);
    await sleep(700);
    const key = w.shim.listVerdicts().find((v) => v.value.tag === 5)!.key;
    w.shim.deleteVerdict(key);
    w.shim.deleteFlowVerdict(seen[0]!.key);
    const ended = w.shim.endSockets({ idents: [{ exeIno: id.exeIno, exeDev: id.exeDev, uid: 0 }] }, [w.ns.path]);
    const r = await proc;
    expect(r).toMatchObject({ ok: true, endErr: "ECONNABORTED" });
    expect(ended).toBeGreaterThanOrEqual(1);
    expect(r.endAfterMs, "ended when the allow was withdrawn, not at the 8 s end of the test").toBeLessThan(3000);
  });

  it("a connection allowed until a deadline is ended by the sweep after the deadline, and the kernel stops honouring the entry itself", async () => {
    answer = () => ({ afterMs: 0, decision: { verdict: "allow", cache: "flow", expiresAt: Date.now() + 1500 } });
    const proc = runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, String(KEEP_PORT), "--hold-open-ms", "8000"], { timeoutMs: 15_000 });
    for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(20);
    await sleep(300);
    expect(w.shim.endSockets({}, [w.ns.path]), "before the deadline nothing ends").toBe(0);
    await sleep(1500);
    expect(w.shim.endSockets({}, [w.ns.path]), "past the deadline the flow verdict no longer allows").toBe(1);
    expect(await proc).toMatchObject({ ok: true, endErr: "ECONNABORTED" });
  });

  it("holds the address the call named even when a DNAT (nat OUTPUT REDIRECT) rewrites it afterwards", async () => {
    // a server on the client namespace's loopback, not governed; the REDIRECT sends 203.0.113.9:80 to it
    const sgclient = clientPath("sgclient");
    await startIn({ netnsPath: w.ns.path }, [sgclient, "serve", "tcp4", "127.0.0.1", "7788"], w.cleanup);
    const nat = (op: "-A" | "-D"): string => run("nsenter", [`--net=${w.ns.path}`, "--", "iptables", "-w", "-t", "nat", op, "OUTPUT", "-p", "tcp", "-d", "203.0.113.9", "--dport", "80", "-j", "REDIRECT", "--to-ports", "7788"]);
    run("ip", ["-n", w.ns.name, "route", "add", "203.0.113.0/24", "dev", "sg0"]);
    nat("-A");
    w.cleanup.add("remove the REDIRECT", () => void nat("-D"));
    answer = (f) => ({ afterMs: 200, decision: { verdict: f.key.port === 80 && seen.length === 1 ? "allow" : "deny", cache: "flow" } });
    const allowed = await runClient(w.inside, [sghold, "connect", "tcp4", "203.0.113.9", "80"], { timeoutMs: 15_000 });
    expect(allowed).toMatchObject({ ok: true });
    expect(seen[0]!.key).toMatchObject({ addr: "::ffff:203.0.113.9", port: 80 });
    const denied = await runClient(w.inside, [sghold, "connect", "tcp4", "203.0.113.9", "80"], { timeoutMs: 15_000 });
    expect(denied, "a denied held SYN is reset even though NAT rewrote it").toMatchObject({ ok: false, err: "ECONNREFUSED" });
    expect(seen.map((f) => f.key.addr)).toEqual(["::ffff:203.0.113.9", "::ffff:203.0.113.9"]);
  });

  it("50 concurrent held connects from 50 processes each get their own answer, and every one was queued", async () => {
    const before = { hold: hold.status(), counters: w.shim.counters() };
    // even pids are allowed, odd ones denied, each after its own delay
    answer = (f) => ({ afterMs: 100 + (f.pending.tgid % 7) * 60, decision: { verdict: f.pending.tgid % 2 === 0 ? "allow" : "deny", cache: "flow" } });
    const results = await Promise.all(Array.from({ length: 50 }, () => runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, "8080"], { timeoutMs: 20_000 })));
    for (const r of results) {
      if (r.pid % 2 === 0) expect(r, `pid ${r.pid}`).toMatchObject({ ok: true });
      else expect(r, `pid ${r.pid}`).toMatchObject({ ok: false, err: "ECONNREFUSED" });
    }
    expect(new Set(seen.map((f) => f.pending.tgid))).toEqual(new Set(results.map((r) => r.pid)));
    const after = { hold: hold.status(), counters: w.shim.counters() };
    const q0 = before.hold.namespaces[0]!.queue!;
    const q1 = after.hold.namespaces[0]!.queue!;
    expect(q1.idSequence - q0.idSequence, "the queue saw one packet per held flow").toBe(50);
    expect(after.hold.packets.received - before.hold.packets.received).toBe(50);
    expect(after.counters.hold_match.held - before.counters.hold_match.held).toBe(50n);
    expect(after.counters.connect4.held - before.counters.connect4.held).toBe(50n);
    expect({ dropped: q1.queueDropped - q0.queueDropped, userDropped: q1.userDropped - q0.userDropped }).toEqual({ dropped: 0, userDropped: 0 });
  });

  it("a full per-uid budget refuses that uid's new flows at once (pending_full); another uid still holds", async () => {
    w.shim.setConfig({ pendingPerUid: 3 });
    const held = Array.from({ length: 3 }, () => runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, "8080"], { timeoutMs: 20_000 }));
    for (let i = 0; i < 200 && seen.length < 3; i++) await sleep(20);
    expect(seen).toHaveLength(3);
    const refused = await runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, "8080"], { timeoutMs: 5000 });
    expect(refused).toMatchObject({ ok: false, err: "EACCES" });
    expect(refused.elapsedMs).toBeLessThan(500);
    const ev = await w.events.waitFor((e) => e.tgid === refused.pid && e.op === "connect", 3000, "pending_full event");
    expect(ev).toMatchObject({ verdict: "deny", reason: "pending_full" });
    // uid 65534 has its own budget
    const other = runClient(w.inside, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sghold, "connect", "tcp4", w.ns.peer4, "8080"], { timeoutMs: 20_000 });
    for (let i = 0; i < 200 && seen.length < 4; i++) await sleep(20);
    expect(seen[3]?.pending.uid).toBe(65534);
    for (const f of seen) hold.resolve(f.key, { verdict: "allow", cache: "flow" });
    for (const r of await Promise.all([...held, other])) expect(r).toMatchObject({ ok: true });
    expect(w.shim.counters().connect4.pending_full).toBeGreaterThanOrEqual(1n);
  });

  it("in a namespace without sockgate's chains a call with no verdict is denied at once (no_hold_in_netns), never held", async () => {
    const outside = { cgroup: w.cg, netnsPath: w.ns.peerPath };
    const tcp = await runClient(outside, [sghold, "connect", "tcp4", w.ns.local4, "1"], { timeoutMs: 5000 });
    expect(tcp).toMatchObject({ ok: false, err: "EACCES" });
    expect(tcp.elapsedMs).toBeLessThan(500);
    const udp = await runClient(outside, [sghold, "sendto", "udp4", w.ns.local4, "1", "--timeout-ms", "200"], { timeoutMs: 5000 });
    expect(udp.sends![0]).toMatchObject({ err: "EACCES" });
    const ev = await w.events.waitFor((e) => e.tgid === tcp.pid && e.op === "connect", 3000, "no_hold_in_netns event");
    expect(ev).toMatchObject({ verdict: "deny", reason: "no_hold_in_netns" });
    expect(seen).toHaveLength(0);
  });

  it("curl, python3 and nc wait for their answers like the C client", async () => {
    answer = (f) => ({ afterMs: 500, decision: { verdict: f.pending.comm === "nc" ? "deny" : "allow", cache: "flow" } });
    const curl = await runIn(w.inside, ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", `http://${w.ns.peer4}:8080/`], { timeoutMs: 15_000 });
    // the peer's server accepts and closes: curl connected (exit 52 empty reply, or 56 reset),
    // it neither failed to connect (7) nor timed out (28)
    expect([52, 56], `curl said: ${curl.stderr}`).toContain(curl.code);
    const py = await runIn(w.inside, ["python3", "-c", `import socket,time; t=time.time(); s=socket.create_connection(("${w.ns.peer6}", 8080), timeout=10); print("ok", round((time.time()-t)*1000))`], { timeoutMs: 15_000 });
    expect(py.stdout).toMatch(/^ok \d+/);
    expect(Number(py.stdout.split(" ")[1])).toBeGreaterThanOrEqual(400);
    const nc = await runIn(w.inside, ["nc", "-z", "-w", "5", w.ns.peer4, "8080"], { timeoutMs: 15_000 });
    expect(nc.code, "nc's connect was refused").not.toBe(0);
    expect(seen.map((f) => f.pending.comm)).toEqual(["curl", "python3", "nc"]);
  });

  it("a simultaneous open (the peer connects to the held socket's port) gets nothing through before the answer, nor after a deny", async () => {
    answer = () => ({ afterMs: 2500, decision: { verdict: "deny", cache: "flow" } });
    const [port, peerPort] = [40111, 8111];
    // the held client: bound to a known port, non-blocking connect, then tries to send
    const client = `import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", ${port})); s.setblocking(False)
s.connect_ex(("${w.ns.peer4}", ${peerPort}))
end = time.time() + 4
while time.time() < end:
    try:
        s.send(b"LEAK"); print("sent", round(time.time() - end + 4, 2), flush=True)
    except OSError as e:
        pass
    time.sleep(0.05)
print("done", flush=True)`;
    // the attacker's peer: from its port, connects to the client's again and again
    const peer = `import socket, time
end = time.time() + 4.5
while time.time() < end:
    c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); c.bind(("${w.ns.peer4}", ${peerPort})); c.settimeout(0.2)
    try:
        c.connect(("${w.ns.local4}", ${port})); print("peer connected", c.recv(16), flush=True)
    except OSError:
        pass
    c.close(); time.sleep(0.02)
print("peer done", flush=True)`;
    const [c, p] = await Promise.all([runIn(w.inside, ["python3", "-c", client], { timeoutMs: 15_000 }), runIn(w.peer, ["python3", "-c", peer], { timeoutMs: 15_000 })]);
    expect(seen, "the connect was held").toHaveLength(1);
    expect(c.stdout, "no send of the held socket succeeded").not.toContain("sent");
    expect(p.stdout, "the peer never had a connection").not.toContain("peer connected");
  });

  it("a socket in TCP_REPAIR mode (connected without a SYN) gets no segment to the peer while held, nor after a deny", async () => {
    answer = () => ({ afterMs: 2500, decision: { verdict: "deny", cache: "flow" } });
    const [port, peerPort] = [40112, 8112];
    // root's checkpoint/restore path: repair-mode connect() is established at once, and
    // leaving repair mode sends a window probe, then send() sends data segments
    const client = `import socket, time
SOL_TCP, TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ = 6, 19, 20, 21
s = socket.socket(); s.setsockopt(SOL_TCP, TCP_REPAIR, 1); s.bind(("0.0.0.0", ${port}))
s.setsockopt(SOL_TCP, TCP_REPAIR_QUEUE, 2); s.setsockopt(SOL_TCP, TCP_QUEUE_SEQ, 1000)
s.setsockopt(SOL_TCP, TCP_REPAIR_QUEUE, 1); s.setsockopt(SOL_TCP, TCP_QUEUE_SEQ, 5000)
s.connect(("${w.ns.peer4}", ${peerPort})); print("repair-connected", flush=True)
s.setsockopt(SOL_TCP, TCP_REPAIR, 0)
end = time.time() + 4
while time.time() < end:
    try:
        s.send(b"LEAK"); print("sent", flush=True)
    except OSError as e:
        print("err", e.errno, flush=True); break
    time.sleep(0.05)
print("done", flush=True)`;
    // the peer sees every TCP segment addressed to its host on a raw socket
    const peer = `import socket, time
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP); r.settimeout(0.1)
print("listening", flush=True)
end = time.time() + 5
while time.time() < end:
    try:
        p = r.recv(65535)
    except socket.timeout:
        continue
    ihl = (p[0] & 15) * 4
    if socket.inet_ntoa(p[12:16]) != "${w.ns.local4}" or int.from_bytes(p[ihl:ihl+2], "big") != ${port}:
        continue
    doff = (p[ihl+12] >> 4) * 4
    print("segment", hex(p[ihl+13]), len(p) - ihl - doff, flush=True)
print("peer done", flush=True)`;
    const p = runIn(w.peer, ["python3", "-c", peer], { timeoutMs: 15_000 });
    await sleep(300);
    const c = await runIn(w.inside, ["python3", "-c", client], { timeoutMs: 15_000 });
    const got = await p;
    expect(c.stdout, `the client ran in repair mode: ${c.stderr}`).toContain("repair-connected");
    expect(got.stdout, "the peer's capture ran").toContain("peer done");
    // a reset may end the socket after the deny; nothing else of it may arrive (with the
    // old SYN-only chain the window probe got through, and the peer's reset answered it)
    const segments = got.stdout.split("\n").filter((l) => l.startsWith("segment"));
    expect(segments.filter((l) => !/^segment 0x(4|14) 0$/.test(l)), "segments of the held socket that reached the peer").toEqual([]);
    expect(seen, "the repair-mode connect was held").toHaveLength(1);
  });

  it("a held flow's entry names its program run: the process's start time, and one more exec id after an exec", async () => {
    answer = () => ({ afterMs: 0, decision: { verdict: "allow", cache: "flow" } });
    // a datagram that waits for its echo, then the same again after os.execv (same pid)
    const send = `import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5); s.sendto(b'x', ('${w.ns.peer4}', ${ECHO_PORT})); s.recv(16)`;
    const stat = "print(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19], flush=True)";
    const script = `${send}\n${stat}\nimport os, sys\nos.execv(sys.executable, [sys.executable, "-c", ${JSON.stringify(send)}])`;
    const r = await runIn(w.inside, ["python3", "-c", script], { timeoutMs: 15_000 });
    expect(r.code, r.stderr).toBe(0);
    const ours = seen.filter((f) => f.pending.tgid === r.pid);
    expect(ours, "both runs were held").toHaveLength(2);
    const [before, after] = ours.map((f) => f.pending);
    // /proc gives 1/100 s (USER_HZ) since boot; the entry nanoseconds
    expect(String(before!.startTime / 10_000_000n)).toBe(r.stdout.trim());
    expect(after!.startTime).toBe(before!.startTime);
    expect(before!.execId).toBeGreaterThan(0n);
    expect(after!.execId).toBe(before!.execId + 1n);
  });

  it("an allow that comes before the flow's first packet still decides that packet", async () => {
    // connect() on a UDP socket is held at once but sends nothing; its first datagram comes
    // 600 ms later, long after the answer
    answer = () => ({ afterMs: 0, decision: { verdict: "allow", cache: "flow" } });
    const before = hold.status().packets;
    const r = await runClient(w.inside, [sghold, "udpconnect", "udp4", w.ns.peer4, String(ECHO_PORT), "--send-after-ms", "600", "--timeout-ms", "1500"], { timeoutMs: 10_000 });
    expect(seen).toHaveLength(1);
    expect(r).toMatchObject({ ok: true, replied: true });
    const after = hold.status().packets;
    expect(after.received - before.received, "the datagram went through the queue all the same").toBe(1);
    expect(w.shim.pendingFlows(), "and only then did the flow end").toEqual([]);
  });

  it("a deny for a connected UDP socket ends it: its later send() runs no hook, so it must not be left open", async () => {
    answer = () => ({ afterMs: 0, decision: { verdict: "deny", cache: "flow" } });
    const r = await runClient(w.inside, [sghold, "udpconnect", "udp4", w.ns.peer4, String(ECHO_PORT), "--send-after-ms", "600", "--timeout-ms", "1500"], { timeoutMs: 10_000 });
    expect(seen).toHaveLength(1);
    // udp_abort() disconnects it: send() then has no destination
    expect(r, "the send fails: the socket was ended when the deny came").toMatchObject({ ok: false, err: "EDESTADDRREQ", replied: false });
    expect(w.shim.pendingFlows()).toEqual([]);
  });

  it("while a denied connected UDP socket is ended, no datagram another of its threads sends gets out", async () => {
    // a second thread send()s without pause from the held datagram on: the socket must be
    // ended before its flow is released, or its sends pass the queue unasked in between
    const SINK_PORT = 9997;
    const sink = await startIn(w.peer, [sghold, "echo", "udp4", "0.0.0.0", String(SINK_PORT), "--log"], w.cleanup);
    const got: string[] = [];
    sink.child.stdout!.on("data", (d: Buffer) => got.push(...d.toString().split("\n").filter(Boolean)));
    answer = () => ({ afterMs: 200, decision: { verdict: "deny", cache: "flow" } });
    const r = await runClient(w.inside, [sghold, "udpconnect", "udp4", w.ns.peer4, String(SINK_PORT), "--flood-ms", "1500", "--timeout-ms", "1000"], { timeoutMs: 10_000 });
    await new Promise((done) => setTimeout(done, 300));
    await sink.stop();
    expect(seen).toHaveLength(1);
    expect((r as unknown as { floodSent: number }).floodSent, "the flood ran while the flow was held").toBeGreaterThan(100);
    expect(got, "datagrams that reached the peer").toEqual([]);
    expect(w.shim.pendingFlows()).toEqual([]);
  });
});
