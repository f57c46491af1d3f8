import type { HookName, OpName, ShimEvent } from "@sockgate/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf, type VerdictKey } from "./index.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runClient } from "../test/harness/spawn.js";
import { createShimWorld, resetShim, PEER_TCP_PORT, PEER_UDP_PORT, type ShimWorld } from "../test/harness/world.js";

// The matrix of the issue: every mediated call (ping sockets and TCP Fast Open included),
// for IPv4, IPv6 and v4-mapped IPv6 (socket() has no address, so only its family varies), under
// an allow verdict, a deny verdict, and no verdict with either unknown policy. Each case
// is one sgclient process inside the test cgroup and namespace; the test checks the errno
// it saw, the event record the shim emitted for it, and the per-hook counters.

type Mode = "allow" | "deny" | "unknown-allow" | "unknown-deny";
const MODES: Mode[] = ["allow", "deny", "unknown-allow", "unknown-deny"];

interface Call {
  name: string;
  op: Exclude<OpName, "any">;
  proto: "tcp" | "udp" | "icmp";
  hook: HookName;
  /** Socket family the event reports: 2 AF_INET, 10 AF_INET6. */
  family: 2 | 10;
  /** sgclient's step name for the mediated call. */
  step: string;
  argv(w: ShimWorld): string[];
  /** Verdict key address/port; v4-mapped calls use the IPv4 spelling, so one verdict must cover both. */
  keyAddr?(w: ShimWorld): string;
  keyPort?: number;
  /** Which side of the event carries the address, and what it must say. */
  eventSide?: "local" | "remote";
  eventAddr?(w: ShimWorld): string;
}

const BIND_PORT = 5050;
const mapped = (v4: string): string => `::ffff:${v4}`;

function socketCall(p: "tcp" | "udp" | "icmp", v: 4 | 6): Call {
  return { name: `socket ${p}${v}`, op: "socket", proto: p, hook: "sock_create", family: v === 4 ? 2 : 10, step: "socket", argv: () => ["socket", `${p}${v}`] };
}

function bindCall(p: "tcp" | "udp", variant: "v4" | "v6" | "mapped"): Call {
  const local = (w: ShimWorld): string => (variant === "v6" ? w.ns.local6 : w.ns.local4);
  return {
    name: `bind ${p} ${variant}`,
    op: "bind",
    proto: p,
    hook: variant === "v4" ? "bind4" : "bind6",
    family: variant === "v4" ? 2 : 10,
    step: "bind",
    argv: (w) => ["bind", `${p}${variant === "v4" ? 4 : 6}`, variant === "mapped" ? mapped(w.ns.local4) : local(w), String(BIND_PORT)],
    keyAddr: local,
    keyPort: BIND_PORT,
    eventSide: "local",
    eventAddr: (w) => (variant === "v6" ? w.ns.local6 : mapped(w.ns.local4)),
  };
}

function peerCall(op: "connect" | "send", p: "tcp" | "udp", variant: "v4" | "v6" | "mapped"): Call {
  const port = p === "tcp" ? PEER_TCP_PORT : PEER_UDP_PORT;
  const peer = (w: ShimWorld): string => (variant === "v6" ? w.ns.peer6 : w.ns.peer4);
  // A UDP6 sendto to a v4-mapped address runs sendmsg4; a v4-mapped connect runs connect6.
  const hook: HookName =
    op === "connect" ? (variant === "v4" ? "connect4" : "connect6") : variant === "v6" ? "sendmsg6" : "sendmsg4";
  return {
    name: `${op} ${p} ${variant}`,
    op,
    proto: p,
    hook,
    family: variant === "v4" ? 2 : 10,
    step: op === "send" ? "sendto" : "connect",
    argv: (w) => [op === "send" ? "sendto" : "connect", `${p}${variant === "v4" ? 4 : 6}`, variant === "mapped" ? mapped(w.ns.peer4) : peer(w), String(port)],
    keyAddr: peer,
    keyPort: port,
    eventSide: "remote",
    eventAddr: (w) => (variant === "v6" ? w.ns.peer6 : mapped(w.ns.peer4)),
  };
}

/** TCP Fast Open: sendto(MSG_FASTOPEN) connects, and runs the connect hook. */
function fastOpenCall(variant: "v4" | "v6" | "mapped"): Call {
  return { ...peerCall("connect", "tcp", variant), name: `fastopen tcp ${variant}`, step: "sendto", argv: (w) => ["fastopen", ...peerCall("connect", "tcp", variant).argv(w).slice(1)] };
}

/** Ping sockets (SOCK_DGRAM + IPPROTO_ICMP/ICMPV6) connect without a port: the verdict is app+addr. */
function pingConnectCall(v: 4 | 6): Call {
  return {
    name: `connect icmp${v}`,
    op: "connect",
    proto: "icmp",
    hook: v === 4 ? "connect4" : "connect6",
    family: v === 4 ? 2 : 10,
    step: "connect",
    argv: (w) => ["connect", `icmp${v}`, v === 4 ? w.ns.peer4 : w.ns.peer6, "0"],
    keyAddr: (w) => (v === 4 ? w.ns.peer4 : w.ns.peer6),
    eventSide: "remote",
    eventAddr: (w) => (v === 4 ? mapped(w.ns.peer4) : w.ns.peer6),
  };
}

const CALLS: Call[] = [
  socketCall("tcp", 4),
  socketCall("tcp", 6),
  socketCall("udp", 4),
  socketCall("udp", 6),
  socketCall("icmp", 4),
  socketCall("icmp", 6),
  ...(["v4", "v6", "mapped"] as const).flatMap((v) => [
    bindCall("tcp", v),
    bindCall("udp", v),
    peerCall("connect", "tcp", v),
    peerCall("connect", "udp", v),
    peerCall("send", "udp", v),
    fastOpenCall(v),
  ]),
  pingConnectCall(4),
  pingConnectCall(6),
];

describe("shim mediates socket calls of a real process in a test cgroup", () => {
  let w: ShimWorld;
  const sgclient = clientPath("sgclient");
  const id = identityOf(sgclient);
  let tag = 1000;

  beforeAll(async () => {
    w = await createShimWorld();
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => resetShim(w.shim));

  function keyFor(c: Call): VerdictKey {
    const key: VerdictKey = { exeDev: id.exeDev, exeIno: id.exeIno, uid: 0, op: c.op, proto: c.proto };
    if (c.keyAddr) key.addr = c.keyAddr(w);
    if (c.keyPort) key.port = c.keyPort;
    return key;
  }

  describe.each(CALLS)("$name", (c) => {
    it.each(MODES)("%s", async (mode) => {
      tag += 1;
      if (mode === "allow" || mode === "deny") w.shim.setVerdict(keyFor(c), { verdict: mode, tag });
      else w.shim.setConfig({ unknownPolicy: { ...w.shim.getConfig().unknownPolicy, [c.op]: mode === "unknown-allow" ? "allow" : "deny" } });
      const denied = mode === "deny" || mode === "unknown-deny";
      const before = w.shim.counters()[c.hook];

      const r = await runClient(w.inside, [sgclient, ...c.argv(w)]);

      if (denied) expect(r, "the caller sees EACCES at the mediated call").toMatchObject({ ok: false, errno: 13, err: "EACCES", step: c.step });
      else expect(r, "the call succeeds").toMatchObject({ ok: true, errno: 0, step: c.step });

      const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.op === c.op, 3000, `${c.op} event of pid ${r.pid}`);
      const expected: Partial<ShimEvent> = {
        op: c.op,
        proto: c.proto,
        hook: c.hook,
        family: c.family,
        verdict: denied ? "deny" : "allow",
        reason: mode.startsWith("unknown") ? "unknown" : !c.keyAddr ? "app_op" : c.keyPort ? "exact" : "app_addr",
        tag: mode.startsWith("unknown") ? 0 : tag,
        pid: r.pid,
        tgid: r.pid,
        ppid: process.pid,
        uid: 0,
        gid: 0,
        cgroupId: w.cg.id,
        exeIno: id.exeIno,
        exeDev: id.exeDev,
        exePath: sgclient,
        comm: "sgclient",
        flags: 0,
      };
      if (c.eventSide === "remote") Object.assign(expected, { remoteAddr: c.eventAddr!(w), remotePort: c.keyPort ?? 0 });
      if (c.eventSide === "local") Object.assign(expected, { localAddr: c.eventAddr!(w), localPort: c.keyPort ?? 0 });
      expect(ev).toMatchObject(expected);
      expect(w.events.matching((e) => e.tgid === r.pid && e.op === c.op), "one event per call").toHaveLength(1);

      const after = w.shim.counters()[c.hook];
      const delta = (k: keyof typeof after): bigint => after[k] - before[k];
      expect({ runs: delta("runs"), allows: delta("allows"), denies: delta("denies"), unknowns: delta("unknowns") }).toEqual({
        runs: 1n,
        allows: mode === "allow" ? 1n : 0n,
        denies: denied ? 1n : 0n,
        unknowns: mode.startsWith("unknown") ? 1n : 0n,
      });
    });
  });
});
