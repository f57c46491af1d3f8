import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf, openHold, type FlowDecision, type HeldFlow, type Hold } from "./index.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runClient, startIn } from "../test/harness/spawn.js";
import { createShimWorld, OPEN_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// Outbound holds: a connect() or a first datagram with no verdict waits in NFQUEUE until
// the test (playing the daemon) answers. The client runs in the test cgroup and client
// namespace, where the hold chains and the queue reader are installed.

const HOLD_CONFIG = { ...OPEN_CONFIG, unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, connect: "hold", send: "hold" } } as const;
const ECHO_PORT = 9998;

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
});
