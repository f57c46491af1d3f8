// Codec for the shim's event record (struct sg_event in abi/sockgate-abi.h): an 8-byte
// sg_msg_hdr then nlattr attributes. The encoder writes attributes in the C struct's
// member order with the C struct's sizes, so its output is byte-identical to what the
// BPF side emits (checked by the golden vectors, from both TypeScript and C). The codec
// machinery is record-codec.ts; the field codecs record-fields.ts.

import {
  ARGV_MAX,
  Attr,
  EVENT_FLAG_ARGV_TRUNCATED,
  HOOKS,
  MSG_EVENT,
  OPS,
  PROTOS,
  REASONS,
  VERDICTS,
  type AttrName,
  type HookName,
  type OpName,
  type ProtoName,
  type ReasonName,
  type VerdictName,
} from "./abi.js";
import { AttributeDecoder } from "./nlattr.js";
import { MSG_HDR_LEN, mappedPartsCodec, recordCodec, type DecodedParts, type LayoutEntry, type RecordCodec, type UnknownAttribute } from "./record-codec.js";
import { argvFromWire, argvToWire } from "./argv-field.js";
import {
  addressCodec,
  commCodec,
  enumCodec,
  familyCodec,
  fixedBytesCodec,
  pathCodec,
  portCodec,
  u32,
  u32Codec,
  u64AsU32Codec,
  u64Codec,
} from "./record-fields.js";

export { MSG_HDR_LEN, type UnknownAttribute } from "./record-codec.js";
export { AF_INET, AF_INET6 } from "./record-fields.js";

export interface ShimEvent {
  version: number;
  type: number;
  op: OpName;
  proto: ProtoName;
  /** Socket family: 2 = AF_INET, 10 = AF_INET6. */
  family: number;
  hook: HookName;
  /** What the kernel did. */
  verdict: VerdictName;
  reason: ReasonName;
  /** Tag of the verdict entry that matched (the daemon's rule id), 0 if none. */
  tag: number;
  /** Thread id. */
  pid: number;
  /** Process id. */
  tgid: number;
  ppid: number;
  uid: number;
  gid: number;
  /** EVENT_FLAG_* bits; unknown bits are kept. */
  flags: number;
  cgroupId: bigint;
  /** Inode number: a bigint, as in VerdictKey (a u64 on 64-bit kernels). */
  exeIno: bigint;
  /** Kernel dev_t (major << 20 | minor): a number, as in VerdictKey (the kernel's dev_t is
   *  32 bits; the attribute is a u64 on the wire and a larger value is refused). */
  exeDev: number;
  cookie: bigint;
  /** CLOCK_MONOTONIC nanoseconds at the call. */
  ktime: bigint;
  /** RFC 5952 text; IPv4 is v4-mapped ("::ffff:192.0.2.1"). */
  localAddr: string;
  remoteAddr: string;
  localPort: number;
  remotePort: number;
  comm: string;
  /** i_generation of the executable (0 on filesystems without one). */
  exeGeneration: number;
  /** The process's argv when it executed its program (at most ARGV_MAX bytes, NULs
   *  included). With EVENT_FLAG_ARGV_TRUNCATED the last element is cut. */
  argv: string[];
  /** Empty when the EVENT_FLAG_NO_EXE flag is set. */
  exePath: string;
  /** CLOCK_BOOTTIME nanoseconds at which the calling process started (/proc/PID/stat
   *  field 22 is this in 1/100 s), so a pid with this start is that very process. 0n when
   *  no process called (accept, ingress); absent from a shim older than the attribute. */
  startTime?: bigint;
  /** How many programs the calling process has executed (its leader's self_exec_id): an
   *  exec keeps pid and start time, so (tgid, startTime, execId) names one program run.
   *  0n with startTime 0n; absent when startTime is. */
  execId?: bigint;
  unknown: UnknownAttribute[];
}

/** The record as the wire holds it: argv is a length and ARGV_MAX fixed bytes. */
interface WireEvent extends Omit<ShimEvent, "argv"> {
  argvLength: number;
  argvBytes: Uint8Array;
}

type AttrField = Exclude<keyof WireEvent, "version" | "type" | "unknown">;
const at = (attr: AttrName, field: AttrField, codec: LayoutEntry["codec"], optional = false): LayoutEntry<AttrField> & { attr: AttrName } => ({ attr, type: Attr[attr], field, codec, ...(optional ? { optional } : {}) });

/** The attributes of struct sg_event, in member order (abi-header.test.ts checks the order). */
export const EVENT_LAYOUT: ReadonlyArray<LayoutEntry<AttrField> & { attr: AttrName }> = [
  at("OP", "op", enumCodec(OPS)),
  at("PROTO", "proto", enumCodec(PROTOS)),
  at("FAMILY", "family", familyCodec),
  at("HOOK", "hook", enumCodec(HOOKS)),
  at("VERDICT", "verdict", enumCodec(VERDICTS)),
  at("REASON", "reason", enumCodec(REASONS, [0])),
  at("TAG", "tag", u32),
  at("PID", "pid", u32),
  at("TGID", "tgid", u32),
  at("PPID", "ppid", u32),
  at("UID", "uid", u32),
  at("GID", "gid", u32),
  at("FLAGS", "flags", u32),
  at("CGROUP_ID", "cgroupId", u64Codec),
  at("EXE_INO", "exeIno", u64Codec),
  at("EXE_DEV", "exeDev", u64AsU32Codec),
  at("COOKIE", "cookie", u64Codec),
  at("KTIME", "ktime", u64Codec),
  at("LOCAL_ADDR", "localAddr", addressCodec),
  at("REMOTE_ADDR", "remoteAddr", addressCodec),
  at("LOCAL_PORT", "localPort", portCodec),
  at("REMOTE_PORT", "remotePort", portCodec),
  at("EXE_GEN", "exeGeneration", u32),
  at("ARGV_LEN", "argvLength", u32Codec(ARGV_MAX)),
  at("START_TIME", "startTime", u64Codec, true),
  at("EXEC_ID", "execId", u64Codec, true),
  at("COMM", "comm", commCodec),
  at("ARGV", "argvBytes", fixedBytesCodec(ARGV_MAX)),
  at("EXE_PATH", "exePath", pathCodec),
];

const codec = recordCodec<WireEvent, AttrField>({ noun: "event", msgType: MSG_EVENT, msgTypeName: "SG_MSG_EVENT", layout: EVENT_LAYOUT });
function toWire(v: ShimEvent): WireEvent {
  if (typeof v !== "object" || v === null) return v as unknown as WireEvent; // the codec names the problem
  const { argv, ...rest } = v;
  const cut = typeof v.flags === "number" && (v.flags & EVENT_FLAG_ARGV_TRUNCATED) !== 0;
  return { ...rest, ...argvToWire(argv, cut, "event") };
}

function index(field: AttrField): number {
  const i = EVENT_LAYOUT.findIndex((e) => e.field === field);
  if (i < 0) throw new Error(`EVENT_LAYOUT has no field ${field}`);
  return i;
}
const OP = index("op");
const PROTO = index("proto");
const FAMILY = index("family");
const HOOK = index("hook");
const VERDICT = index("verdict");
const REASON = index("reason");
const TAG = index("tag");
const PID = index("pid");
const TGID = index("tgid");
const PPID = index("ppid");
const UID = index("uid");
const GID = index("gid");
const FLAGS = index("flags");
const CGROUP_ID = index("cgroupId");
const EXE_INO = index("exeIno");
const EXE_DEV = index("exeDev");
const COOKIE = index("cookie");
const KTIME = index("ktime");
const LOCAL_ADDR = index("localAddr");
const REMOTE_ADDR = index("remoteAddr");
const LOCAL_PORT = index("localPort");
const REMOTE_PORT = index("remotePort");
const EXE_GEN = index("exeGeneration");
const ARGV_LEN = index("argvLength");
const START_TIME = index("startTime");
const EXEC_ID = index("execId");
const COMM = index("comm");
const ARGV = index("argvBytes");
const EXE_PATH = index("exePath");

// Field by field from the decoded values, in one object literal: one event per held call is
// decoded, and building it property by property (or through a rest pattern) cost more than
// all of its reads.
function fromParts(p: DecodedParts): ShimEvent {
  const v = p.values;
  const flags = v[FLAGS] as number;
  const ev: ShimEvent = {
    version: p.version,
    type: p.type,
    op: v[OP] as OpName,
    proto: v[PROTO] as ProtoName,
    family: v[FAMILY] as number,
    hook: v[HOOK] as HookName,
    verdict: v[VERDICT] as VerdictName,
    reason: v[REASON] as ReasonName,
    tag: v[TAG] as number,
    pid: v[PID] as number,
    tgid: v[TGID] as number,
    ppid: v[PPID] as number,
    uid: v[UID] as number,
    gid: v[GID] as number,
    flags,
    cgroupId: v[CGROUP_ID] as bigint,
    exeIno: v[EXE_INO] as bigint,
    exeDev: v[EXE_DEV] as number,
    cookie: v[COOKIE] as bigint,
    ktime: v[KTIME] as bigint,
    localAddr: v[LOCAL_ADDR] as string,
    remoteAddr: v[REMOTE_ADDR] as string,
    localPort: v[LOCAL_PORT] as number,
    remotePort: v[REMOTE_PORT] as number,
    exeGeneration: v[EXE_GEN] as number,
    comm: v[COMM] as string,
    exePath: v[EXE_PATH] as string,
    unknown: p.unknown,
    argv: argvFromWire({ argvLength: v[ARGV_LEN] as number, argvBytes: v[ARGV] as Uint8Array }, (flags & EVENT_FLAG_ARGV_TRUNCATED) !== 0, "event"),
  };
  if (v[START_TIME] !== undefined) ev.startTime = v[START_TIME] as bigint;
  if (v[EXEC_ID] !== undefined) ev.execId = v[EXEC_ID] as bigint;
  return ev;
}

const mapped = mappedPartsCodec<ShimEvent, WireEvent>(codec, toWire, fromParts);

/** Bytes encode(v) writes. Throws SockgateError when v cannot be encoded. */
export const encodingLength: (v: ShimEvent) => number = mapped.encodingLength;

/** Writes v into buf at offset (allocating when buf is omitted) and returns buf; encode.bytes is the length. */
export const encode: RecordCodec<ShimEvent>["encode"] = mapped.encode;

/**
 * Reads one record from buf at offset. Honours the header's length: bytes after it (the
 * rest of a fixed-size ring-buffer slot) are ignored; decode.bytes is that length.
 * Attributes it does not know are returned in `unknown`, in the order met.
 */
export const decode: RecordCodec<ShimEvent>["decode"] = mapped.decode;

/**
 * The record's verdict from its verdict attribute alone, without decoding the rest (a reader
 * that hands held flows to one consumer and the other records to another sorts them with
 * it). undefined when the record is too short, malformed before that attribute, has none,
 * or names a verdict this version does not know; decode says what is wrong with it.
 */
export function verdictOf(buf: Uint8Array, offset = 0): VerdictName | undefined {
  if (buf.length - offset < MSG_HDR_LEN) return undefined;
  const len = new DataView(buf.buffer, buf.byteOffset + offset, 4).getUint32(0, true);
  const dec = new AttributeDecoder(buf, offset + MSG_HDR_LEN, Math.min(buf.length, offset + len));
  while (dec.next()) if (dec.type === Attr.VERDICT) return VERDICTS[dec.u32()];
  return undefined;
}
