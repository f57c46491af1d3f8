// Byte layouts of struct sg_flow_key, sg_pending and sg_tuple
// (packages/protocol/abi/sockgate-abi.h): little-endian host layout, ports in host order,
// addresses as 16 network-order bytes with IPv4 stored v4-mapped.
import { SockgateError, abi, formatAddress, parseAddress } from "@sockgate/protocol";
import type { HookName, OpName, ProtoName } from "@sockgate/protocol";
import type { FlowKey, PacketTuple, PendingFlow } from "./types.js";

export const FLOW_KEY_BYTES = abi.SIZEOF.flowKey;
export const PENDING_BYTES = abi.SIZEOF.pending;
export const TUPLE_BYTES = abi.SIZEOF.tuple;
const U64_MAX = (1n << 64n) - 1n;

function bad(what: string, expected: string, got: unknown): SockgateError {
  const shown = typeof got === "bigint" ? `${got}n` : JSON.stringify(got);
  return new SockgateError("SG_ERR_BAD_VALUE", `${what} is invalid: expected ${expected}, got ${shown}`);
}

function checkPort(what: string, port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw bad(what, "an integer from 0 to 65535", port);
  }
  return port;
}

function protoIndex(what: string, proto: unknown): number {
  const i = abi.PROTOS.indexOf(proto as ProtoName);
  if (i <= 0) throw bad(what, `one of ${abi.PROTOS.slice(1).join(", ")}`, proto);
  return i;
}

function nameAt<T extends string>(what: string, names: readonly T[], i: number): T {
  const name = names[i];
  if (name === undefined) throw new SockgateError("SG_ERR_BAD_ENUM", `${what} ${i} read from the kernel is not one of ${names.join(", ")}`);
  return name;
}

// A held flow's peer is encoded into a key several times (pending, flow verdict, release,
// the queued tuple), and parsing the text is most of a key's cost: the last addresses
// parsed are kept. Only valid addresses are kept (a bad one throws every time); the bytes
// are copied into each key, never handed out.
const parsed = new Map<string, Uint8Array>();
function addressBytes(text: string): Uint8Array {
  let bytes = parsed.get(text);
  if (bytes === undefined) {
    bytes = parseAddress(text);
    if (parsed.size >= 1024) parsed.clear();
    parsed.set(text, bytes);
  }
  return bytes;
}

const cString = (b: Buffer): string => {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString("utf8");
};

// struct sg_flow_key: cookie 0, addr 8, port 24, proto 26
export function encodeFlowKey(key: FlowKey, buf = Buffer.alloc(FLOW_KEY_BYTES), offset = 0): Buffer {
  if (typeof key !== "object" || key === null) throw bad("flow key", "an object", key);
  if (typeof key.cookie !== "bigint" || key.cookie <= 0n || key.cookie > U64_MAX) {
    throw bad("flow key cookie", "a socket cookie (a bigint from 1n to 2^64-1)", key.cookie);
  }
  const addr = addressBytes(key.addr);
  const port = checkPort("flow key port", key.port);
  const proto = protoIndex("flow key proto", key.proto);
  buf.fill(0, offset, offset + FLOW_KEY_BYTES);
  buf.writeBigUInt64LE(key.cookie, offset);
  buf.set(addr, offset + 8);
  buf.writeUInt16LE(port, offset + 24);
  buf.writeUInt8(proto, offset + 26);
  return buf;
}

export function decodeFlowKey(buf: Buffer, offset = 0): FlowKey {
  return {
    cookie: buf.readBigUInt64LE(offset),
    addr: formatAddress(buf.subarray(offset + 8, offset + 24)),
    port: buf.readUInt16LE(offset + 24),
    proto: nameAt<ProtoName>("flow key proto", abi.PROTOS, buf.readUInt8(offset + 26)),
  };
}

// struct sg_pending field offsets
const P = {
  exeIno: 0,
  cgroupId: 8,
  ktime: 16,
  netnsCookie: 24,
  exeDev: 32,
  uid: 36,
  gid: 40,
  tgid: 44,
  pid: 48,
  ppid: 52,
  flags: 56,
  op: 60,
  hook: 61,
  family: 62,
  localAddr: 64,
  localPort: 80,
  exeGeneration: 84,
  comm: 88,
  startTime: 104,
  execId: 112,
} as const;

export function decodePending(key: FlowKey, buf: Buffer, offset = 0): PendingFlow {
  const at = (o: number): number => offset + o;
  return {
    key,
    op: nameAt<OpName>("pending op", abi.OPS, buf.readUInt8(at(P.op))),
    hook: nameAt<HookName>("pending hook", abi.HOOKS, buf.readUInt8(at(P.hook))),
    family: buf.readUInt8(at(P.family)),
    exeIno: buf.readBigUInt64LE(at(P.exeIno)),
    exeDev: buf.readUInt32LE(at(P.exeDev)),
    exeGeneration: buf.readUInt32LE(at(P.exeGeneration)),
    uid: buf.readUInt32LE(at(P.uid)),
    gid: buf.readUInt32LE(at(P.gid)),
    pid: buf.readUInt32LE(at(P.pid)),
    tgid: buf.readUInt32LE(at(P.tgid)),
    ppid: buf.readUInt32LE(at(P.ppid)),
    cgroupId: buf.readBigUInt64LE(at(P.cgroupId)),
    ktime: buf.readBigUInt64LE(at(P.ktime)),
    netnsCookie: buf.readBigUInt64LE(at(P.netnsCookie)),
    flags: buf.readUInt32LE(at(P.flags)),
    localAddr: formatAddress(buf.subarray(at(P.localAddr), at(P.localAddr) + 16)),
    localPort: buf.readUInt16LE(at(P.localPort)),
    comm: cString(buf.subarray(at(P.comm), at(P.comm) + abi.COMM_LEN)),
    startTime: buf.readBigUInt64LE(at(P.startTime)),
    execId: buf.readBigUInt64LE(at(P.execId)),
  };
}

/** Test and tooling use: the bytes the kernel would write for this pending flow. */
export function encodePending(p: PendingFlow, buf = Buffer.alloc(PENDING_BYTES), offset = 0): Buffer {
  const at = (o: number): number => offset + o;
  buf.fill(0, offset, offset + PENDING_BYTES);
  buf.writeBigUInt64LE(p.exeIno, at(P.exeIno));
  buf.writeBigUInt64LE(p.cgroupId, at(P.cgroupId));
  buf.writeBigUInt64LE(p.ktime, at(P.ktime));
  buf.writeBigUInt64LE(p.netnsCookie, at(P.netnsCookie));
  buf.writeUInt32LE(p.exeDev, at(P.exeDev));
  buf.writeUInt32LE(p.exeGeneration, at(P.exeGeneration));
  buf.writeUInt32LE(p.uid, at(P.uid));
  buf.writeUInt32LE(p.gid, at(P.gid));
  buf.writeUInt32LE(p.tgid, at(P.tgid));
  buf.writeUInt32LE(p.pid, at(P.pid));
  buf.writeUInt32LE(p.ppid, at(P.ppid));
  buf.writeUInt32LE(p.flags, at(P.flags));
  buf.writeUInt8(abi.OPS.indexOf(p.op), at(P.op));
  buf.writeUInt8(abi.HOOKS.indexOf(p.hook), at(P.hook));
  buf.writeUInt8(p.family, at(P.family));
  buf.set(parseAddress(p.localAddr), at(P.localAddr));
  buf.writeUInt16LE(p.localPort, at(P.localPort));
  buf.write(p.comm.slice(0, abi.COMM_LEN - 1), at(P.comm), "utf8");
  buf.writeBigUInt64LE(p.startTime, at(P.startTime));
  buf.writeBigUInt64LE(p.execId, at(P.execId));
  return buf;
}

// struct sg_tuple: saddr 0, daddr 16, sport 32, dport 34, proto 36
export function encodeTuple(t: PacketTuple, buf = Buffer.alloc(TUPLE_BYTES), offset = 0): Buffer {
  buf.fill(0, offset, offset + TUPLE_BYTES);
  buf.set(addressBytes(t.saddr), offset);
  buf.set(addressBytes(t.daddr), offset + 16);
  buf.writeUInt16LE(checkPort("tuple sport", t.sport), offset + 32);
  buf.writeUInt16LE(checkPort("tuple dport", t.dport), offset + 34);
  buf.writeUInt8(protoIndex("tuple proto", t.proto), offset + 36);
  return buf;
}

export function decodeTuple(buf: Buffer, offset = 0): PacketTuple {
  return {
    saddr: formatAddress(buf.subarray(offset, offset + 16)),
    daddr: formatAddress(buf.subarray(offset + 16, offset + 32)),
    sport: buf.readUInt16LE(offset + 32),
    dport: buf.readUInt16LE(offset + 34),
    proto: nameAt<ProtoName>("tuple proto", abi.PROTOS, buf.readUInt8(offset + 36)),
  };
}
