import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { abi } from "@sockgate/protocol";
import { identityOf } from "./index.js";
import { createTestCgroup } from "../test/harness/cgroup.js";
import { EventCollector } from "../test/harness/events.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runClient, runIn, startIn } from "../test/harness/spawn.js";
import { createShimWorld, openShimWithCleanup, OPEN_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// Inbound connections: the listener runs inside the cgroup, the client connects from the
// peer namespace. A denied peer's SYN is dropped, so the client times out (after its own
// 1.5 s limit) and the listener never accepts.

type Mode = "allow" | "deny" | "unknown-allow" | "unknown-deny";
const MODES: Mode[] = ["allow", "deny", "unknown-allow", "unknown-deny"];
const PORT = 7000;

interface Variant {
  name: string;
  listen: (w: ShimWorld) => string[];
  connect: (w: ShimWorld) => string[];
  keyAddr: (w: ShimWorld) => string;
  eventRemote: (w: ShimWorld) => string;
  eventLocal: (w: ShimWorld) => string;
  family: 2 | 10;
}

const VARIANTS: Variant[] = [
  {
    name: "v4",
    listen: () => ["listen", "tcp4", "0.0.0.0", String(PORT)],
    connect: (w) => ["connect", "tcp4", w.ns.local4, String(PORT)],
    keyAddr: (w) => w.ns.peer4,
    eventRemote: (w) => `::ffff:${w.ns.peer4}`,
    eventLocal: (w) => `::ffff:${w.ns.local4}`,
    family: 2,
  },
  {
    name: "v6",
    listen: () => ["listen", "tcp6", "::", String(PORT)],
    connect: (w) => ["connect", "tcp6", w.ns.local6, String(PORT)],
    keyAddr: (w) => w.ns.peer6,
    eventRemote: (w) => w.ns.peer6,
    eventLocal: (w) => w.ns.local6,
    family: 10,
  },
  {
    // an IPv4 peer reaching a dual-stack AF_INET6 listener: the kernel sees it as ::ffff:a.b.c.d
    name: "mapped",
    listen: () => ["listen", "tcp6", "::", String(PORT)],
    connect: (w) => ["connect", "tcp4", w.ns.local4, String(PORT)],
    keyAddr: (w) => `::ffff:${w.ns.peer4}`,
    eventRemote: (w) => `::ffff:${w.ns.peer4}`,
    eventLocal: (w) => `::ffff:${w.ns.local4}`,
    family: 10,
  },
];

describe("shim mediates inbound connections to a listener in the test cgroup", () => {
  let w: ShimWorld;
  const sgclient = clientPath("sgclient");
  const id = identityOf(sgclient);
  let tag = 2000;

  beforeAll(async () => {
    w = await createShimWorld({ servers: false });
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => resetShim(w.shim));

  describe.each(VARIANTS)("$name", (v) => {
    it.each(MODES)("%s", async (mode) => {
      tag += 1;
      if (mode === "allow" || mode === "deny") {
        w.shim.setVerdict({ exeDev: id.exeDev, exeIno: id.exeIno, uid: 0, op: "accept", proto: "tcp", addr: v.keyAddr(w), port: PORT }, { verdict: mode, tag });
      } else {
        w.shim.setConfig({ unknownPolicy: { ...w.shim.getConfig().unknownPolicy, accept: mode === "unknown-allow" ? "allow" : "deny" } });
      }
      const denied = mode === "deny" || mode === "unknown-deny";
      const listener = await startIn(w.inside, [sgclient, ...v.listen(w), "--accept-one", "--accept-timeout-ms", "2500"], w.cleanup);

      const client = await runClient(w.peer, [sgclient, ...v.connect(w), "--timeout-ms", "1500"]);
      const served = (await listener.done).json;

      if (denied) {
        expect(client, "the remote client's SYN is dropped: it times out").toMatchObject({ ok: false, err: "ETIMEDOUT" });
        expect(served, "the listener never accepted").toMatchObject({ ok: true, accepted: false });
      } else {
        expect(client).toMatchObject({ ok: true });
        expect(served).toMatchObject({ ok: true, accepted: true, peer: v.family === 2 ? w.ns.peer4 : v.eventRemote(w) });
      }

      const listen = await w.events.waitFor((e) => e.tgid === listener.pid && e.op === "listen", 3000, "listen event");
      expect(listen).toMatchObject({ hook: "sockops", reason: "observed", verdict: "none", localPort: PORT, family: v.family, exePath: sgclient, flags: abi.EVENT_FLAG_NOT_DENIABLE });

      const ev = await w.events.waitFor((e) => e.tgid === listener.pid && e.op === "accept", 3000, `accept event for listener ${listener.pid}`);
      expect(ev).toMatchObject({
        op: "accept",
        proto: "tcp",
        hook: "ingress",
        family: v.family,
        verdict: denied ? "deny" : "allow",
        reason: mode.startsWith("unknown") ? "unknown" : "exact",
        tag: mode.startsWith("unknown") ? 0 : tag,
        tgid: listener.pid,
        pid: listener.pid,
        ppid: process.pid,
        uid: 0,
        cgroupId: w.cg.id,
        exeIno: id.exeIno,
        exeDev: id.exeDev,
        exePath: sgclient,
        comm: "sgclient",
        remoteAddr: v.eventRemote(w),
        localAddr: v.eventLocal(w),
        localPort: PORT,
      });
      expect(ev.remotePort).toBeGreaterThan(1023);
    });
  });

  it("listen() cannot be refused, but a deny verdict for it drops every SYN to that listener", async () => {
    const port = PORT + 2;
    w.shim.setVerdict({ exeDev: id.exeDev, exeIno: id.exeIno, uid: 0, op: "listen", proto: "tcp", port }, { verdict: "deny", tag: 42 });
    const listener = await startIn(w.inside, [sgclient, "listen", "tcp4", "0.0.0.0", String(port), "--accept-one", "--accept-timeout-ms", "2500"], w.cleanup);
    const client = await runClient(w.peer, [sgclient, "connect", "tcp4", w.ns.local4, String(port), "--timeout-ms", "1500"]);
    expect(client).toMatchObject({ ok: false, err: "ETIMEDOUT" });
    expect((await listener.done).json, "listen() itself succeeded; nothing was accepted").toMatchObject({ ok: true, step: "listen", accepted: false });
    const listen = await w.events.waitFor((e) => e.tgid === listener.pid && e.op === "listen", 3000, "listen event");
    expect(listen).toMatchObject({ hook: "sockops", verdict: "deny", reason: "app_port", tag: 42, localPort: port });
    const accept = await w.events.waitFor((e) => e.tgid === listener.pid && e.op === "accept", 3000, "accept event");
    expect(accept).toMatchObject({ hook: "ingress", verdict: "deny", tag: 42, localPort: port, remoteAddr: `::ffff:${w.ns.peer4}` });
  });

  it("one listen() verdict on [::]:port covers a dual-stack listener's IPv4 and IPv6 peers; binds to 0.0.0.0 and :: are two keys", async () => {
    const port = PORT + 6;
    w.shim.setVerdict({ ...id, uid: 0, op: "listen", proto: "tcp", addr: "::", port }, { verdict: "deny", tag: 61 });
    const listener = await startIn(w.inside, [sgclient, "listen", "tcp6", "::", String(port), "--accept-one", "--accept-timeout-ms", "3500"], w.cleanup);
    const v4 = await runClient(w.peer, [sgclient, "connect", "tcp4", w.ns.local4, String(port), "--timeout-ms", "1200"]);
    const v6 = await runClient(w.peer, [sgclient, "connect", "tcp6", w.ns.local6, String(port), "--timeout-ms", "1200"]);
    expect([v4.err, v6.err]).toEqual(["ETIMEDOUT", "ETIMEDOUT"]);
    expect((await listener.done).json).toMatchObject({ ok: true, accepted: false });
    const accepts = w.events.matching((e) => e.tgid === listener.pid && e.op === "accept" && e.verdict === "deny" && e.tag === 61);
    expect(new Set(accepts.map((e) => e.remoteAddr))).toEqual(new Set([`::ffff:${w.ns.peer4}`, w.ns.peer6]));
    // bind: the IPv4 wildcard is ::ffff:0.0.0.0 and the IPv6 one ::, so a deny of one leaves the other
    w.shim.setVerdict({ ...id, uid: 0, op: "bind", proto: "tcp", addr: "0.0.0.0", port: port + 1 }, { verdict: "deny", tag: 62 });
    expect(await runClient(w.inside, [sgclient, "bind", "tcp4", "0.0.0.0", String(port + 1)])).toMatchObject({ ok: false, err: "EACCES" });
    expect(await runClient(w.inside, [sgclient, "bind", "tcp6", "::", String(port + 1)])).toMatchObject({ ok: true });
  });

  it("an IPv6 extension header before TCP does not smuggle a denied peer's SYN past the check", async () => {
    const port = PORT + 4;
    w.shim.setVerdict({ exeDev: id.exeDev, exeIno: id.exeIno, uid: 0, op: "accept", proto: "tcp", addr: w.ns.peer6, port }, { verdict: "deny", tag: 77 });
    // The listener outlives python3's start under load: a listener gone before the SYN answers RST.
    const listener = await startIn(w.inside, [sgclient, "listen", "tcp6", "::", String(port), "--accept-one", "--accept-timeout-ms", "6000"], w.cleanup);
    // Sticky destination options (one PadN option): every packet of this socket, the SYN
    // included, carries a destination-options header between IPv6 and TCP.
    const script = [
      "import socket",
      "s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)",
      "s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))",
      "s.settimeout(1.5)",
      "try:",
      `    s.connect(("${w.ns.local6}", ${port}))`,
      '    print("connected")',
      "except OSError as e:",
      '    print("failed", type(e).__name__)',
    ].join("\n");
    const r = await runIn(w.peer, ["python3", "-c", script]);
    expect(r.stdout.trim(), `python3 said: ${r.stderr}`).toBe("failed TimeoutError");
    expect((await listener.done).json).toMatchObject({ ok: true, accepted: false });
    const ev = await w.events.waitFor((e) => e.tgid === listener.pid && e.op === "accept", 3000, "accept event");
    expect(ev).toMatchObject({ hook: "ingress", verdict: "deny", reason: "exact", tag: 77, remoteAddr: w.ns.peer6, localPort: port });
  });

  it("listen() with no verdict and an unknown policy of deny drops every SYN to that listener", async () => {
    const port = PORT + 3;
    w.shim.setConfig({ unknownPolicy: { ...w.shim.getConfig().unknownPolicy, listen: "deny" } });
    const before = w.shim.counters().sockops;
    const listener = await startIn(w.inside, [sgclient, "listen", "tcp4", "0.0.0.0", String(port), "--accept-one", "--accept-timeout-ms", "2500"], w.cleanup);
    const client = await runClient(w.peer, [sgclient, "connect", "tcp4", w.ns.local4, String(port), "--timeout-ms", "1500"]);
    expect(client, "the accept-side allow does not reopen a listener whose listen() fell to deny").toMatchObject({ ok: false, err: "ETIMEDOUT" });
    expect((await listener.done).json).toMatchObject({ ok: true, step: "listen", accepted: false });
    const listen = await w.events.waitFor((e) => e.tgid === listener.pid && e.op === "listen", 3000, "listen event");
    expect(listen).toMatchObject({ hook: "sockops", verdict: "deny", reason: "unknown", tag: 0, localPort: port });
    const accept = await w.events.waitFor((e) => e.tgid === listener.pid && e.op === "accept", 3000, "accept event");
    expect(accept).toMatchObject({ hook: "ingress", verdict: "deny", reason: "unknown", localPort: port });
    const after = w.shim.counters().sockops;
    expect({ unknowns: after.unknowns - before.unknowns, denies: after.denies - before.denies }).toEqual({ unknowns: 1n, denies: 1n });
  });

  it("a listener created before the shim attached follows the untagged-listener policy", async () => {
    // Without the owner tag sockops puts on at listen(), the shim cannot know who listens.
    const cg = createTestCgroup(w.cleanup);
    const port = PORT + 1;
    const listener = await startIn({ cgroup: cg, netnsPath: w.ns.path }, [sgclient, "listen", "tcp4", "0.0.0.0", String(port), "--accept-one", "--accept-timeout-ms", "6000"], w.cleanup);
    const late = openShimWithCleanup(w.cleanup, { cgroupPath: cg.path, config: { ...OPEN_CONFIG, untaggedListenerPolicy: "deny" } });
    const lateEvents = new EventCollector(late, w.cleanup);

    const refused = await runClient(w.peer, [sgclient, "connect", "tcp4", w.ns.local4, String(port), "--timeout-ms", "1000"]);
    expect(refused).toMatchObject({ ok: false, err: "ETIMEDOUT" });
    const ev = await lateEvents.waitFor((e) => e.op === "accept", 3000, "untagged accept event");
    expect(ev).toMatchObject({ hook: "ingress", verdict: "deny", reason: "untagged_listener", localPort: port, remoteAddr: `::ffff:${w.ns.peer4}` });
    expect(ev.flags & abi.EVENT_FLAG_NO_EXE).toBe(abi.EVENT_FLAG_NO_EXE);

    late.setConfig({ untaggedListenerPolicy: "allow" });
    const admitted = await runClient(w.peer, [sgclient, "connect", "tcp4", w.ns.local4, String(port), "--timeout-ms", "1500"]);
    expect(admitted).toMatchObject({ ok: true });
    expect((await listener.done).json).toMatchObject({ accepted: true });
  });
});
