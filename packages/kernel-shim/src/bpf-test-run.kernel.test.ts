import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abi, formatAddress } from "@sockgate/protocol";
import { encodeFlowKey, PENDING_BYTES } from "./flow-layout.js";
import { loadAddon, type NativeTestObject } from "./native.js";
import { packagePath } from "../test/harness/names.js";
import { ETH_P_IP, ETH_P_IPV6, PROTO, eth, ipv4, ipv6, tcp, udp, type Ext } from "../test/harness/packets.js";

// BPF logic without a live cgroup: the shim's shared packet parser (packet.bpf.h) and its
// hold match (hold_match.bpf.c) run with BPF_PROG_TEST_RUN on hand-made packets, as socket
// filters of build/test-progs.bpf.o (src/bpf/test_progs.bpf.c), built from the same source.
// What test-run cannot drive: the socket cookie (each run gets a fresh dummy socket, so the
// test object takes the cookie from the packet's mark), anything of a real socket (its
// storage, its state), and packets shorter than their IP header (test-run refuses them);
// those stay with the live hold and accept tests.

const PARSE = { OK: 0, NO_L4: 1, UNREADABLE: 2 } as const;
let obj: NativeTestObject;
beforeAll(() => {
  obj = new (loadAddon().TestObject)(packagePath("build", "test-progs.bpf.o"));
});
afterAll(() => obj?.close());

interface Parsed { ret: number; l4off: number; saddr: string; daddr: string; sport: number; dport: number; l4proto: number; tcpFlags: number }

/** struct sg_test_parse: s32 ret, u32 l4off, struct sg_pkt (saddr[16], daddr[16], sport, dport, l4proto, tcp_flags). */
function parse(packet: Buffer): Parsed {
  expect(obj.run("sg_test_parse", packet, 0)).toBe(1);
  const b = obj.mapLookup("sg_test_parse_out", Buffer.alloc(4))!;
  return {
    ret: b.readInt32LE(0),
    l4off: b.readUInt32LE(4),
    saddr: formatAddress(b.subarray(8, 24)),
    daddr: formatAddress(b.subarray(24, 40)),
    sport: b.readUInt16LE(40),
    dport: b.readUInt16LE(42),
    l4proto: b[44]!,
    tcpFlags: b[45]!,
  };
}

const v4 = (o: Partial<Parameters<typeof ipv4>[0]>, payload: Buffer) => eth(ETH_P_IP, ipv4({ src: "192.0.2.1", dst: "198.51.100.2", proto: PROTO.TCP, ...o }, payload));
const v6 = (exts: Ext[], proto: number, payload: Buffer) => eth(ETH_P_IPV6, ipv6({ src: "2001:db8::1", dst: "2001:db8::2", exts, proto }, payload));
const ext = (type: number, bytes = 8): Ext => ({ type, bytes });

describe("packet parser (packet.bpf.h) under test-run", () => {
  describe("IPv4", () => {
    it("a SYN: addresses v4-mapped, ports, flags, transport at 20", () => {
      expect(parse(v4({}, tcp(40000, 443)))).toEqual({ ret: PARSE.OK, l4off: 20, saddr: "::ffff:192.0.2.1", daddr: "::ffff:198.51.100.2", sport: 40000, dport: 443, l4proto: PROTO.TCP, tcpFlags: 0x02 });
    });
    it.each([4, 12, 40])("%i bytes of options move the transport header", (n) => {
      const options = Buffer.alloc(n, 1); // NOPs
      expect(parse(v4({ options }, tcp(1, 22, 0x12)))).toMatchObject({ ret: PARSE.OK, l4off: 20 + n, sport: 1, dport: 22, tcpFlags: 0x12 });
    });
    it("an IHL below 5 is unreadable", () => {
      expect(parse(v4({ ihl: 4 }, tcp(1, 2))).ret).toBe(PARSE.UNREADABLE);
    });
    it("a first fragment (offset 0, MF) carries the transport header", () => {
      expect(parse(v4({ proto: PROTO.UDP, moreFragments: true }, udp(53, 5353)))).toMatchObject({ ret: PARSE.OK, l4proto: PROTO.UDP, sport: 53, dport: 5353 });
    });
    it("a later fragment has addresses only", () => {
      expect(parse(v4({ fragOffset: 185 }, tcp(1, 2)))).toMatchObject({ ret: PARSE.NO_L4, saddr: "::ffff:192.0.2.1", sport: 0, dport: 0, l4proto: PROTO.TCP });
    });
    it("a header cut short is unreadable: options running past the packet, a TCP header of 10 bytes", () => {
      // (test-run itself refuses a packet shorter than a 20-byte IPv4 header: EINVAL)
      expect(parse(v4({ ihl: 15 }, tcp(1, 2).subarray(0, 12))).ret).toBe(PARSE.UNREADABLE);
      expect(parse(v4({}, tcp(1, 2)).subarray(0, 14 + 20 + 10)).ret).toBe(PARSE.UNREADABLE);
    });
  });

  describe("IPv6", () => {
    it("no extension headers: transport at 40", () => {
      expect(parse(v6([], PROTO.TCP, tcp(5000, 80)))).toEqual({ ret: PARSE.OK, l4off: 40, saddr: "2001:db8::1", daddr: "2001:db8::2", sport: 5000, dport: 80, l4proto: PROTO.TCP, tcpFlags: 0x02 });
    });
    it("a chain of hop-by-hop, routing and destination options is walked", () => {
      expect(parse(v6([ext(PROTO.HOP, 8), ext(PROTO.ROUTING, 24), ext(PROTO.DEST, 16)], PROTO.TCP, tcp(5000, 80)))).toMatchObject({ ret: PARSE.OK, l4off: 40 + 48, dport: 80, tcpFlags: 0x02 });
    });
    it("an authentication header counts its length in 4-byte units", () => {
      expect(parse(v6([ext(PROTO.AUTH, 24)], PROTO.UDP, udp(1234, 53)))).toMatchObject({ ret: PARSE.OK, l4off: 64, l4proto: PROTO.UDP, dport: 53 });
    });
    it("an atomic fragment (offset 0, M=0) carrying a SYN is a SYN", () => {
      expect(parse(v6([{ type: PROTO.FRAGMENT, bytes: 8 }], PROTO.TCP, tcp(5000, 22)))).toMatchObject({ ret: PARSE.OK, l4off: 48, dport: 22, tcpFlags: 0x02, l4proto: PROTO.TCP });
    });
    it("a first fragment (offset 0, M=1) carries the transport header", () => {
      expect(parse(v6([{ type: PROTO.FRAGMENT, bytes: 8, moreFragments: true }], PROTO.UDP, udp(7, 9)))).toMatchObject({ ret: PARSE.OK, dport: 9 });
    });
    it("a later fragment has addresses only", () => {
      expect(parse(v6([{ type: PROTO.FRAGMENT, bytes: 8, fragOffset: 8 }], PROTO.TCP, tcp(1, 2)))).toMatchObject({ ret: PARSE.NO_L4, daddr: "2001:db8::2", dport: 0 });
    });
    it("eight extension headers are walked (the documented limit); a ninth makes the packet unreadable", () => {
      const chain = (n: number): Ext[] => Array.from({ length: n }, () => ext(PROTO.DEST, 8));
      expect(parse(v6(chain(8), PROTO.TCP, tcp(1, 443)))).toMatchObject({ ret: PARSE.OK, l4off: 40 + 64, dport: 443 });
      expect(parse(v6(chain(9), PROTO.TCP, tcp(1, 443))).ret).toBe(PARSE.UNREADABLE);
    });
    it("an extension header running past the packet, or a transport header cut short, is unreadable", () => {
      const p = v6([ext(PROTO.HOP, 16)], PROTO.TCP, tcp(1, 2));
      expect(parse(p.subarray(0, 14 + 40 + 12)).ret).toBe(PARSE.UNREADABLE);
      expect(parse(v6([], PROTO.UDP, udp(1, 2)).subarray(0, 14 + 40 + 2)).ret).toBe(PARSE.UNREADABLE);
    });
    it("ICMPv6: the protocol, no ports", () => {
      expect(parse(v6([], PROTO.ICMPV6, Buffer.from([128, 0, 0, 0])))).toMatchObject({ ret: PARSE.OK, l4proto: PROTO.ICMPV6, sport: 0, dport: 0 });
    });
  });

  it("neither IPv4 nor IPv6 is unreadable", () => {
    const p = v4({}, tcp(1, 2));
    p[14] = (5 << 4) | 5;
    expect(parse(p).ret).toBe(PARSE.UNREADABLE);
  });
});

describe("hold match (hold_match.bpf.c) under test-run", () => {
  const u64 = (n: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const sockPending = (count: number, uid = 1000): Buffer => {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(count, 0);
    b.writeUInt32LE(uid, 4);
    return b;
  };
  /** struct sg_tuple: saddr, daddr, sport, dport, proto (enum sg_proto). */
  const tuple = (saddr: Buffer, daddr: Buffer, sport: number, dport: number, proto: number): Buffer => {
    const b = Buffer.alloc(40);
    saddr.copy(b, 0);
    daddr.copy(b, 16);
    b.writeUInt16LE(sport, 32);
    b.writeUInt16LE(dport, 34);
    b[36] = proto;
    return b;
  };
  const mapped = (a: number[]): Buffer => Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a]);
  const v6addr = (last: number): Buffer => Buffer.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last]);
  /** sg_counters[HOLD_MATCH][HELD], summed over the per-CPU copies. */
  const heldRuns = (): bigint => {
    const b = obj.mapLookup("sg_counters", Buffer.alloc(4))!;
    const perCpu = 8 * abi.HOOKS.length * abi.COUNTERS.length;
    const at = 8 * (abi.HOOKS.indexOf("hold_match") * abi.COUNTERS.length + abi.COUNTERS.indexOf("held"));
    let sum = 0n;
    for (let cpu = 0; cpu + perCpu <= b.length; cpu += perCpu) sum += b.readBigUInt64LE(cpu + at);
    return sum;
  };
  const packet = udp(40001, 9999);
  const v4pkt = v4({ proto: PROTO.UDP }, packet);
  const key = tuple(mapped([192, 0, 2, 1]), mapped([198, 51, 100, 2]), 40001, 9999, 2);

  it("a socket with no held flow is not matched, and nothing is recorded", () => {
    expect(obj.run("sg_hold_match", v4pkt, 101)).toBe(0);
    expect(obj.mapLookup("sg_queued", key)).toBeNull();
  });

  /** Holds the flow (cookie, 198.51.100.2:9999, udp): the destination of v4pkt. */
  const holdFlow = (cookie: bigint): void => {
    obj.mapUpdate("sg_pending", encodeFlowKey({ cookie, addr: "198.51.100.2", port: 9999, proto: "udp" }), Buffer.alloc(PENDING_BYTES));
  };

  it("a socket with a held flow is matched and its 5-tuple recorded against its cookie", () => {
    const before = heldRuns();
    obj.mapUpdate("sg_pending_socks", u64(102n), sockPending(1));
    holdFlow(102n);
    expect(obj.run("sg_hold_match", v4pkt, 102)).toBe(1);
    expect(obj.mapLookup("sg_queued", key)?.readBigUInt64LE(0)).toBe(102n);
    expect(heldRuns() - before, "counted as a held packet").toBe(1n);
  });

  it("a UDP socket's datagram to a destination it holds no flow for is not matched (egress decides it, for its sender)", () => {
    obj.mapUpdate("sg_pending_socks", u64(107n), sockPending(1));
    obj.mapUpdate("sg_pending", encodeFlowKey({ cookie: 107n, addr: "198.51.100.3", port: 9999, proto: "udp" }), Buffer.alloc(PENDING_BYTES));
    expect(obj.run("sg_hold_match", v4pkt, 107)).toBe(0);
    holdFlow(107n);
    expect(obj.run("sg_hold_match", v4pkt, 107)).toBe(1);
  });

  it("a socket whose flows were all decided (count 0) is not matched", () => {
    obj.mapUpdate("sg_pending_socks", u64(103n), sockPending(0));
    expect(obj.run("sg_hold_match", v4pkt, 103)).toBe(0);
  });

  it("during an upgrade, a socket held by the old programs (only in the previous map) is matched", () => {
    obj.mapUpdate("sg_pending_socks_prev", u64(104n), sockPending(2));
    expect(obj.run("sg_hold_match", v4pkt, 104)).toBe(1);
  });

  it("IPv6 behind extension headers: the tuple has the transport's ports", () => {
    obj.mapUpdate("sg_pending_socks", u64(105n), sockPending(1));
    expect(obj.run("sg_hold_match", v6([ext(PROTO.HOP, 8), { type: PROTO.FRAGMENT, bytes: 8 }], PROTO.TCP, tcp(50000, 8443)), 105)).toBe(1);
    expect(obj.mapLookup("sg_queued", tuple(v6addr(1), v6addr(2), 50000, 8443, 1))?.readBigUInt64LE(0)).toBe(105n);
  });

  it("an unreadable packet of a held socket is still matched (the reader drops what maps to no flow): fail closed", () => {
    obj.mapUpdate("sg_pending_socks", u64(106n), sockPending(1));
    const cut = v6(Array.from({ length: 9 }, () => ext(PROTO.DEST, 8)), PROTO.TCP, tcp(50001, 8443));
    expect(obj.run("sg_hold_match", cut, 106)).toBe(1);
    expect(obj.mapLookup("sg_queued", tuple(v6addr(1), v6addr(2), 50001, 8443, 1))).toBeNull();
  });

  it("a packet with no socket (cookie 0) is not matched", () => {
    expect(obj.run("sg_hold_match", v4pkt, 0)).toBe(0);
  });
});
