// Byte layouts of struct sg_verdict_key, sg_verdict_value and sg_config
// (packages/protocol/abi/sockgate-abi.h): little-endian host layout, ports in host
// order, addresses as 16 network-order bytes with IPv4 stored v4-mapped.
import { SockgateError, abi, formatAddress, parseAddress } from "@sockgate/protocol";
import type { OpName, PolicyName, ProtoName } from "@sockgate/protocol";
import type { KernelOpName, ShimConfig, VerdictKey } from "./types.js";

/** struct sg_verdict_value as bytes hold it: the deadline is on the kernel's boot clock. */
export interface VerdictValueBytes {
  verdict: "allow" | "deny";
  tag?: number;
  /** CLOCK_BOOTTIME ns from which the kernel ignores the entry; 0n or absent: none. */
  expiresNs?: bigint;
  /** i_generation of the file an identity entry is for; 0 or absent: any generation. */
  exeGeneration?: number;
}

export const VERDICT_KEY_BYTES = abi.SIZEOF.verdictKey;
export const VERDICT_VALUE_BYTES = abi.SIZEOF.verdictValue;
export const CONFIG_BYTES = abi.SIZEOF.config;

// struct sg_verdict_key field offsets.
const KEY_INO = 0;
const KEY_DEV = 8;
const KEY_UID = 12;
const KEY_OP = 16;
const KEY_PROTO = 17;
const KEY_LAYER = 18;
const KEY_PORT = 20;
const KEY_ADDR = 24;
// struct sg_config field offsets.
const CFG_UNKNOWN = 0;
const CFG_UNKNOWN_SLOTS = 8;
const CFG_UNTAGGED = 8;
const CFG_REPORT_ALLOWS = 9;
const CFG_SCOPE_ENABLED = 10;
const CFG_PENDING_PER_UID = 12;
const CFG_PENDING_PER_LISTENER = 16;
const CFG_SOCKS_PER_UID = 20;
const CFG_HOST_MNT_NS = 24;

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

export const KERNEL_OPS = abi.OPS.filter((op): op is KernelOpName => op !== "any");

function bad(what: string, expected: string, got: unknown): SockgateError {
  const shown = typeof got === "bigint" ? `${got}n` : JSON.stringify(got);
  return new SockgateError("SG_ERR_BAD_VALUE", `${what} is invalid: expected ${expected}, got ${shown}`);
}

export function checkU32(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > U32_MAX) {
    throw bad(what, "an integer from 0 to 4294967295", v);
  }
  return v;
}

/** A real uid: 0xffffffff is the any-user layer, spelt "any". */
function checkUid(v: unknown): number {
  const uid = checkU32("verdict key uid", v);
  if (uid === abi.UID_ANY) throw bad("verdict key uid", 'a uid below 4294967295 (write "any" for every user)', v);
  return uid;
}

function indexOf<T extends string>(what: string, names: readonly T[], v: unknown): number {
  const i = names.indexOf(v as T);
  if (i < 0) throw bad(what, `one of ${names.join(", ")}`, v);
  return i;
}

function nameAt<T extends string>(what: string, names: readonly T[], i: number): T {
  const name = names[i];
  if (name === undefined) {
    throw new SockgateError("SG_ERR_BAD_ENUM", `${what} ${i} read from the kernel is not one of ${names.join(", ")}`);
  }
  return name;
}

/** Rejects keys that no lookup of the shim can ever hit (see the layer order in the header). */
function checkKeyShape(key: VerdictKey): void {
  const hasPeer = key.addr !== undefined || key.port !== undefined;
  if ((key.op === "any") !== (key.proto === "any")) {
    throw bad("verdict key op/proto", 'op and proto both "any" (whole application) or both specific', {
      op: key.op,
      proto: key.proto,
    });
  }
  if (key.op === "any" && hasPeer) {
    throw bad("verdict key", 'no addr or port with op "any"', { addr: key.addr, port: key.port });
  }
  if (key.op === "socket" && hasPeer) {
    throw bad("verdict key", 'no addr or port with op "socket" (socket() has no peer)', {
      addr: key.addr,
      port: key.port,
    });
  }
}

export function encodeVerdictKey(key: VerdictKey, buf = Buffer.alloc(VERDICT_KEY_BYTES), offset = 0): Buffer {
  if (typeof key !== "object" || key === null) throw bad("verdict key", "an object", key);
  if (typeof key.exeIno !== "bigint" || key.exeIno < 0n || key.exeIno > U64_MAX) {
    throw bad("verdict key exeIno", "a bigint from 0n to 2^64-1", key.exeIno);
  }
  const dev = checkU32("verdict key exeDev", key.exeDev);
  const uid = key.uid === "any" ? abi.UID_ANY : checkUid(key.uid);
  const op = indexOf("verdict key op", abi.OPS, key.op);
  const proto = indexOf("verdict key proto", abi.PROTOS, key.proto);
  checkKeyShape(key);
  let layer = 0;
  const addr = key.addr === undefined ? undefined : parseAddress(key.addr);
  if (addr !== undefined) layer |= abi.LAYER_ADDR;
  if (key.port !== undefined) {
    if (typeof key.port !== "number" || !Number.isInteger(key.port) || key.port < 1 || key.port > 65535) {
      throw bad("verdict key port", "an integer from 1 to 65535", key.port);
    }
    layer |= abi.LAYER_PORT;
  }
  buf.fill(0, offset, offset + VERDICT_KEY_BYTES);
  buf.writeBigUInt64LE(key.exeIno, offset + KEY_INO);
  buf.writeUInt32LE(dev, offset + KEY_DEV);
  buf.writeUInt32LE(uid, offset + KEY_UID);
  buf.writeUInt8(op, offset + KEY_OP);
  buf.writeUInt8(proto, offset + KEY_PROTO);
  buf.writeUInt8(layer, offset + KEY_LAYER);
  buf.writeUInt16LE(key.port ?? 0, offset + KEY_PORT);
  if (addr !== undefined) buf.set(addr, offset + KEY_ADDR);
  return buf;
}

export function decodeVerdictKey(buf: Buffer, offset = 0): VerdictKey {
  const layer = buf.readUInt8(offset + KEY_LAYER);
  const uid = buf.readUInt32LE(offset + KEY_UID);
  const key: VerdictKey = {
    exeDev: buf.readUInt32LE(offset + KEY_DEV),
    exeIno: buf.readBigUInt64LE(offset + KEY_INO),
    uid: uid === abi.UID_ANY ? "any" : uid,
    op: nameAt<OpName>("verdict key op", abi.OPS, buf.readUInt8(offset + KEY_OP)),
    proto: nameAt<ProtoName>("verdict key proto", abi.PROTOS, buf.readUInt8(offset + KEY_PROTO)),
  };
  if (layer & abi.LAYER_ADDR) key.addr = formatAddress(buf.subarray(offset + KEY_ADDR, offset + KEY_ADDR + 16));
  if (layer & abi.LAYER_PORT) key.port = buf.readUInt16LE(offset + KEY_PORT);
  return key;
}

export function encodeVerdictValue(
  value: VerdictValueBytes,
  buf = Buffer.alloc(VERDICT_VALUE_BYTES),
  offset = 0,
): Buffer {
  if (typeof value !== "object" || value === null) throw bad("verdict value", "an object", value);
  if (value.verdict !== "allow" && value.verdict !== "deny") {
    throw bad("verdict value verdict", '"allow" or "deny"', value.verdict);
  }
  const expires = value.expiresNs ?? 0n;
  if (typeof expires !== "bigint" || expires < 0n || expires > U64_MAX) {
    throw bad("verdict value expiresNs", "a bigint from 0n to 2^64-1", expires);
  }
  buf.writeUInt32LE(abi.VERDICTS.indexOf(value.verdict), offset);
  buf.writeUInt32LE(checkU32("verdict value tag", value.tag ?? 0), offset + 4);
  buf.writeBigUInt64LE(expires, offset + 8);
  buf.writeUInt32LE(checkU32("verdict value exeGeneration", value.exeGeneration ?? 0), offset + 16);
  buf.writeUInt32LE(0, offset + 20);
  return buf;
}

export function decodeVerdictValue(buf: Buffer, offset = 0): Required<VerdictValueBytes> {
  const verdict = nameAt("verdict", abi.VERDICTS, buf.readUInt32LE(offset));
  if (verdict !== "allow" && verdict !== "deny") {
    throw new SockgateError("SG_ERR_BAD_ENUM", `verdict ${abi.VERDICTS.indexOf(verdict)} (${verdict}) read from a kernel verdict map`);
  }
  return {
    verdict,
    tag: buf.readUInt32LE(offset + 4),
    expiresNs: buf.readBigUInt64LE(offset + 8),
    exeGeneration: buf.readUInt32LE(offset + 16),
  };
}

/** Operations whose calls can be held (their packets queued or SYNs dropped until decided). */
export const HOLDABLE_OPS: readonly KernelOpName[] = ["connect", "send", "accept"];

function checkPolicy(what: string, v: unknown, holdable = false): number {
  if (v === "hold" && !holdable) throw bad(what, '"allow" or "deny" (only connect, send and accept can be held)', v);
  return indexOf(what, abi.POLICIES, v);
}

export function encodeConfig(config: ShimConfig, buf = Buffer.alloc(CONFIG_BYTES), offset = 0): Buffer {
  if (typeof config !== "object" || config === null) throw bad("shim config", "an object", config);
  if (typeof config.unknownPolicy !== "object" || config.unknownPolicy === null) {
    throw bad("shim config unknownPolicy", `an object with ${KERNEL_OPS.join(", ")}`, config.unknownPolicy);
  }
  if (typeof config.reportAllows !== "boolean") throw bad("shim config reportAllows", "a boolean", config.reportAllows);
  buf.fill(0, offset, offset + CONFIG_BYTES);
  for (const op of KERNEL_OPS) {
    const slot = abi.OPS.indexOf(op);
    const policy = checkPolicy(`shim config unknownPolicy.${op}`, config.unknownPolicy[op], HOLDABLE_OPS.includes(op));
    buf.writeUInt8(policy, offset + CFG_UNKNOWN + slot);
  }
  buf.writeUInt8(checkPolicy("shim config untaggedListenerPolicy", config.untaggedListenerPolicy), offset + CFG_UNTAGGED);
  buf.writeUInt8(config.reportAllows ? 1 : 0, offset + CFG_REPORT_ALLOWS);
  if (typeof config.scopeEnabled !== "boolean") throw bad("shim config scopeEnabled", "a boolean", config.scopeEnabled);
  buf.writeUInt8(config.scopeEnabled ? 1 : 0, offset + CFG_SCOPE_ENABLED);
  buf.writeUInt32LE(checkU32("shim config pendingPerUid", config.pendingPerUid), offset + CFG_PENDING_PER_UID);
  buf.writeUInt32LE(checkU32("shim config pendingPerListener", config.pendingPerListener), offset + CFG_PENDING_PER_LISTENER);
  buf.writeUInt32LE(checkU32("shim config socksPerUid", config.socksPerUid), offset + CFG_SOCKS_PER_UID);
  buf.writeUInt32LE(checkU32("shim config hostMountNamespace", config.hostMountNamespace), offset + CFG_HOST_MNT_NS);
  return buf;
}

export function decodeConfig(buf: Buffer, offset = 0): ShimConfig {
  const policy = (what: string, at: number): PolicyName => nameAt(what, abi.POLICIES, buf.readUInt8(offset + at));
  const unknownPolicy = {} as Record<KernelOpName, PolicyName>;
  for (const op of KERNEL_OPS) {
    const slot = abi.OPS.indexOf(op);
    if (slot >= CFG_UNKNOWN_SLOTS) throw new SockgateError("SG_ERR_BAD_VALUE", `op ${op} has no unknown-policy slot`);
    unknownPolicy[op] = policy(`unknown policy of ${op}`, CFG_UNKNOWN + slot);
  }
  return {
    unknownPolicy,
    untaggedListenerPolicy: policy("untagged listener policy", CFG_UNTAGGED),
    reportAllows: buf.readUInt8(offset + CFG_REPORT_ALLOWS) !== 0,
    scopeEnabled: buf.readUInt8(offset + CFG_SCOPE_ENABLED) !== 0,
    pendingPerUid: buf.readUInt32LE(offset + CFG_PENDING_PER_UID),
    pendingPerListener: buf.readUInt32LE(offset + CFG_PENDING_PER_LISTENER),
    socksPerUid: buf.readUInt32LE(offset + CFG_SOCKS_PER_UID),
    hostMountNamespace: buf.readUInt32LE(offset + CFG_HOST_MNT_NS),
  };
}
