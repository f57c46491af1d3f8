// Codec for nfnetlink_queue (linux/netfilter/nfnetlink_queue.h): the messages an NFQUEUE
// reader sends (config, verdict, batch verdict) and receives (packet, and netlink's error
// and done). One message is an nlmsghdr (host order), an nfgenmsg whose res_id is the queue
// number (network order), then nlattr attributes whose headers are host order and whose
// values are network order. Unknown attributes are kept, so re-encoding loses nothing.

import { SockgateError } from "./errors.js";
import { AttributeDecoder, AttributeEncoder, attributeLength } from "./nlattr.js";

export const NLMSG_HDRLEN = 16;
export const NFGENMSG_LEN = 4;
const HEADERS = NLMSG_HDRLEN + NFGENMSG_LEN;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NFNL_SUBSYS_QUEUE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;

/** enum nfqnl_msg_types, as the low byte of nlmsg_type (subsystem 3 in the high byte). */
export const NFQNL_MSG = { packet: 0, verdict: 1, config: 2, "verdict-batch": 3 } as const;
/** enum nfqnl_msg_config_cmds */
export const CONFIG_COMMANDS = ["none", "bind", "unbind", "pf_bind", "pf_unbind"] as const;
export type ConfigCommand = (typeof CONFIG_COMMANDS)[number];
/** enum nfqnl_config_mode */
export const COPY_MODES = ["none", "meta", "packet"] as const;
export type CopyMode = (typeof COPY_MODES)[number];
/** NFQA_CFG_F_* */
export const CFG_F_FAIL_OPEN = 1 << 0;
export const CFG_F_CONNTRACK = 1 << 1;
export const CFG_F_GSO = 1 << 2;
export const CFG_F_UID_GID = 1 << 3;
/** Netfilter verdicts (NF_*). */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_REPEAT = 4;

/** Attribute ids of a packet message (enum nfqnl_attr_type). */
export const NFQA = {
  PACKET_HDR: 1,
  VERDICT_HDR: 2,
  MARK: 3,
  TIMESTAMP: 4,
  IFINDEX_INDEV: 5,
  IFINDEX_OUTDEV: 6,
  PAYLOAD: 10,
  CAP_LEN: 13,
  SKB_INFO: 14,
  UID: 16,
  GID: 17,
} as const;
/** Attribute ids of a config message (enum nfqnl_attr_config). */
export const NFQA_CFG = { CMD: 1, PARAMS: 2, QUEUE_MAXLEN: 3, MASK: 4, FLAGS: 5 } as const;

export interface NfqAttribute {
  type: number;
  data: Uint8Array;
}

interface Base {
  /** nlmsg_seq */
  seq: number;
  /** nlmsg_flags; defaults to NLM_F_REQUEST for what a reader sends, 0 otherwise. */
  nlFlags?: number;
  /** nlmsg_pid: 0 for messages to the kernel. */
  portId?: number;
}

export interface NfqConfig extends Base {
  kind: "config";
  queue: number;
  /** nfgenmsg family: AF_UNSPEC (0) for queue commands. */
  family?: number;
  command?: { command: ConfigCommand; pf: number };
  params?: { copyRange: number; copyMode: CopyMode };
  queueMaxLen?: number;
  /** Flags to change (mask) and their values. */
  flags?: { mask: number; value: number };
  unknown?: NfqAttribute[];
}

export interface NfqVerdict extends Base {
  kind: "verdict" | "verdict-batch";
  queue: number;
  family?: number;
  /** NF_ACCEPT, NF_DROP, NF_REPEAT... */
  verdict: number;
  /** Packet id; for a batch, every packet up to and including it. */
  id: number;
  /** Sets skb->mark when given. */
  mark?: number;
  unknown?: NfqAttribute[];
}

export interface NfqPacket extends Base {
  kind: "packet";
  queue: number;
  family: number;
  id: number;
  /** Ethertype, e.g. 0x0800 (IPv4) or 0x86dd (IPv6). */
  hwProtocol: number;
  /** Netfilter hook: 3 = LOCAL_OUT. */
  hook: number;
  mark?: number;
  indev?: number;
  outdev?: number;
  /** The packet from its network header, cut at the queue's copy range. */
  payload?: Uint8Array;
  /** Original length when the payload was cut. */
  capLen?: number;
  skbInfo?: number;
  /** Socket uid/gid (OUTPUT only, with NFQA_CFG_F_UID_GID). */
  uid?: number;
  gid?: number;
  timestamp?: { sec: bigint; usec: bigint };
  unknown?: NfqAttribute[];
}

/** netlink's answer to a request: error 0 is an acknowledgement. */
export interface NlError extends Base {
  kind: "error";
  /** Negative errno, or 0. */
  error: number;
  /** nlmsghdr of the request it answers. */
  request: { length: number; type: number; flags: number; seq: number; portId: number };
}

export interface NlDone extends Base {
  kind: "done";
}

export type NfqMessage = NfqConfig | NfqVerdict | NfqPacket | NlError | NlDone;

function bad(what: string, expected: string, got: unknown): SockgateError {
  return new SockgateError("SG_ERR_BAD_VALUE", `nfqueue ${what}: expected ${expected}, got ${typeof got === "bigint" ? `${got}n` : JSON.stringify(got)}`);
}

function checkInt(what: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw bad(what, `an integer 0..${max}`, v);
  return v;
}

/** The attribute types decode reads into named fields, per message kind. */
const KNOWN: Record<NfqMessage["kind"], ReadonlySet<number>> = {
  config: new Set(Object.values(NFQA_CFG)),
  verdict: new Set([NFQA.VERDICT_HDR, NFQA.MARK]),
  "verdict-batch": new Set([NFQA.VERDICT_HDR, NFQA.MARK]),
  packet: new Set(Object.values(NFQA).filter((t) => t !== NFQA.VERDICT_HDR)),
  error: new Set(),
  done: new Set(),
};

const be32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

/** The attributes a message carries, in the order encode writes them. */
function attributesOf(m: NfqMessage): NfqAttribute[] {
  const out: NfqAttribute[] = [];
  const put = (type: number, data: Uint8Array): void => void out.push({ type, data });
  switch (m.kind) {
    case "config": {
      if (m.command !== undefined) {
        const i = CONFIG_COMMANDS.indexOf(m.command.command);
        if (i < 0) throw bad("config command", CONFIG_COMMANDS.join(", "), m.command.command);
        const b = new Uint8Array(4);
        b[0] = i;
        new DataView(b.buffer).setUint16(2, checkInt("config pf", m.command.pf, 0xffff));
        put(NFQA_CFG.CMD, b);
      }
      if (m.params !== undefined) {
        const mode = COPY_MODES.indexOf(m.params.copyMode);
        if (mode < 0) throw bad("copy mode", COPY_MODES.join(", "), m.params.copyMode);
        const b = new Uint8Array(5);
        new DataView(b.buffer).setUint32(0, checkInt("copy range", m.params.copyRange, 0xffff_ffff));
        b[4] = mode;
        put(NFQA_CFG.PARAMS, b);
      }
      if (m.queueMaxLen !== undefined) put(NFQA_CFG.QUEUE_MAXLEN, be32(checkInt("queue max length", m.queueMaxLen, 0xffff_ffff)));
      if (m.flags !== undefined) {
        put(NFQA_CFG.MASK, be32(checkInt("flags mask", m.flags.mask, 0xffff_ffff)));
        put(NFQA_CFG.FLAGS, be32(checkInt("flags value", m.flags.value, 0xffff_ffff)));
      }
      break;
    }
    case "verdict":
    case "verdict-batch": {
      const b = new Uint8Array(8);
      const v = new DataView(b.buffer);
      v.setUint32(0, checkInt("verdict", m.verdict, 0xffff_ffff));
      v.setUint32(4, checkInt("packet id", m.id, 0xffff_ffff));
      put(NFQA.VERDICT_HDR, b);
      if (m.mark !== undefined) put(NFQA.MARK, be32(checkInt("mark", m.mark, 0xffff_ffff)));
      break;
    }
    case "packet": {
      // The kernel's order (nfqnl_build_packet_message), so a queued packet re-encodes byte for byte.
      const b = new Uint8Array(7);
      const v = new DataView(b.buffer);
      v.setUint32(0, checkInt("packet id", m.id, 0xffff_ffff));
      v.setUint16(4, checkInt("hw protocol", m.hwProtocol, 0xffff));
      b[6] = checkInt("hook", m.hook, 0xff);
      put(NFQA.PACKET_HDR, b);
      if (m.indev !== undefined) put(NFQA.IFINDEX_INDEV, be32(checkInt("indev", m.indev, 0xffff_ffff)));
      if (m.outdev !== undefined) put(NFQA.IFINDEX_OUTDEV, be32(checkInt("outdev", m.outdev, 0xffff_ffff)));
      if (m.mark !== undefined) put(NFQA.MARK, be32(checkInt("mark", m.mark, 0xffff_ffff)));
      if (m.timestamp !== undefined) {
        const t = new Uint8Array(16);
        const tv = new DataView(t.buffer);
        tv.setBigUint64(0, m.timestamp.sec);
        tv.setBigUint64(8, m.timestamp.usec);
        put(NFQA.TIMESTAMP, t);
      }
      if (m.uid !== undefined) put(NFQA.UID, be32(checkInt("uid", m.uid, 0xffff_ffff)));
      if (m.gid !== undefined) put(NFQA.GID, be32(checkInt("gid", m.gid, 0xffff_ffff)));
      if (m.capLen !== undefined) put(NFQA.CAP_LEN, be32(checkInt("cap len", m.capLen, 0xffff_ffff)));
      if (m.skbInfo !== undefined) put(NFQA.SKB_INFO, be32(checkInt("skb info", m.skbInfo, 0xffff_ffff)));
      if (m.payload !== undefined) {
        if (!(m.payload instanceof Uint8Array)) throw bad("payload", "a Uint8Array", m.payload);
        put(NFQA.PAYLOAD, m.payload);
      }
      break;
    }
    default:
      break;
  }
  if ("unknown" in m && m.unknown !== undefined) {
    const known = KNOWN[m.kind];
    for (const u of m.unknown) {
      checkInt("unknown attribute type", u.type, 0xffff);
      if (known.has(u.type)) throw bad("unknown attribute type", "a type this codec does not know", u.type);
      out.push(u);
    }
  }
  return out;
}

function bodyLength(m: NfqMessage): number {
  if (m.kind === "error") return 4 + NLMSG_HDRLEN;
  if (m.kind === "done") return 4;
  return NFGENMSG_LEN + attributesOf(m).reduce((n, a) => n + attributeLength(a.data.length), 0);
}

/** Bytes encode(m) writes. */
export function encodingLength(m: NfqMessage): number {
  return NLMSG_HDRLEN + bodyLength(m);
}

function typeOf(m: NfqMessage): number {
  if (m.kind === "error") return NLMSG_ERROR;
  if (m.kind === "done") return NLMSG_DONE;
  return (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG[m.kind];
}

/** Writes m at offset (allocating when buf is omitted); encode.bytes is the length written. */
export function encode(m: NfqMessage, buf?: Uint8Array, offset = 0): Uint8Array {
  if (typeof m !== "object" || m === null) throw bad("message", "an object", m);
  const len = encodingLength(m);
  const out = buf ?? new Uint8Array(offset + len);
  if (out.length - offset < len) {
    throw new SockgateError("SG_ERR_BUFFER_TOO_SMALL", `nfqueue message needs ${len} bytes at offset ${offset}, buffer holds ${out.length}`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const sending = m.kind === "config" || m.kind === "verdict" || m.kind === "verdict-batch";
  view.setUint32(offset, len, true);
  view.setUint16(offset + 4, typeOf(m), true);
  view.setUint16(offset + 6, checkInt("nlmsg flags", m.nlFlags ?? (sending ? NLM_F_REQUEST : 0), 0xffff), true);
  view.setUint32(offset + 8, checkInt("seq", m.seq, 0xffff_ffff), true);
  view.setUint32(offset + 12, checkInt("port id", m.portId ?? 0, 0xffff_ffff), true);
  if (m.kind === "error") {
    view.setInt32(offset + 16, m.error, true);
    const r = m.request;
    view.setUint32(offset + 20, r.length, true);
    view.setUint16(offset + 24, r.type, true);
    view.setUint16(offset + 26, r.flags, true);
    view.setUint32(offset + 28, r.seq, true);
    view.setUint32(offset + 32, r.portId, true);
  } else if (m.kind === "done") {
    view.setInt32(offset + 16, 0, true);
  } else {
    out[offset + 16] = checkInt("family", m.family ?? 0, 0xff);
    out[offset + 17] = 0; // NFNETLINK_V0
    view.setUint16(offset + 18, checkInt("queue", m.queue, 0xffff), false);
    const enc = new AttributeEncoder(out, offset + HEADERS);
    for (const a of attributesOf(m)) enc.bytes(a.type, a.data);
  }
  encode.bytes = len;
  return out;
}
encode.bytes = 0;

function truncated(what: string, need: number, have: number): SockgateError {
  return new SockgateError("SG_ERR_TRUNCATED", `nfqueue ${what} truncated: needs ${need} bytes, ${have} left`);
}

function payloadView(dec: AttributeDecoder, n: number, what: string): DataView | null {
  if (dec.payloadLength < n) {
    dec.fail(new SockgateError("SG_ERR_BAD_ATTR_LEN", `nfqueue attribute ${what} at offset ${dec.offset} has ${dec.payloadLength} payload bytes: expected at least ${n}`));
    return null;
  }
  const d = dec.data();
  return new DataView(d.buffer, d.byteOffset, d.byteLength);
}

function readBe32(dec: AttributeDecoder, what: string): number {
  return payloadView(dec, 4, what)?.getUint32(0) ?? 0;
}

/** Reads the message at offset; decode.bytes is its length (aligned messages follow). */
export function decode(buf: Uint8Array, offset = 0): NfqMessage {
  if (!(buf instanceof Uint8Array)) throw bad("buffer", "a Uint8Array", buf);
  const avail = buf.length - offset;
  if (avail < NLMSG_HDRLEN) throw truncated("message header", NLMSG_HDRLEN, avail);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = view.getUint32(offset, true);
  const type = view.getUint16(offset + 4, true);
  const base = { seq: view.getUint32(offset + 8, true), nlFlags: view.getUint16(offset + 6, true), portId: view.getUint32(offset + 12, true) };
  if (len < NLMSG_HDRLEN) throw new SockgateError("SG_ERR_BAD_LENGTH", `nfqueue message length ${len}: expected at least ${NLMSG_HDRLEN}`);
  if (len > avail) throw truncated("message", len, avail);
  decode.bytes = len;
  if (type === NLMSG_DONE) return { kind: "done", ...base };
  if (type === NLMSG_ERROR) {
    if (len < NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) throw truncated("error message", NLMSG_HDRLEN + 4 + NLMSG_HDRLEN, len);
    return {
      kind: "error",
      ...base,
      error: view.getInt32(offset + 16, true),
      request: {
        length: view.getUint32(offset + 20, true),
        type: view.getUint16(offset + 24, true),
        flags: view.getUint16(offset + 26, true),
        seq: view.getUint32(offset + 28, true),
        portId: view.getUint32(offset + 32, true),
      },
    };
  }
  const msg = type & 0xff;
  const kind = (Object.keys(NFQNL_MSG) as (keyof typeof NFQNL_MSG)[]).find((k) => NFQNL_MSG[k] === msg);
  if (type >> 8 !== NFNL_SUBSYS_QUEUE || kind === undefined) {
    throw new SockgateError("SG_ERR_BAD_MSG_TYPE", `nfqueue message type 0x${type.toString(16)}: expected subsystem ${NFNL_SUBSYS_QUEUE} (queue) with a message 0..3, or NLMSG_ERROR/NLMSG_DONE`);
  }
  if (len < HEADERS) throw truncated("nfgenmsg", HEADERS, len);
  const family = buf[offset + 16]!;
  const queue = view.getUint16(offset + 18, false);
  const unknown: NfqAttribute[] = [];
  const dec = new AttributeDecoder(buf, offset + HEADERS, offset + len);
  const seen = new Set<number>();
  const once = (): boolean => {
    if (seen.has(dec.type)) {
      dec.fail(new SockgateError("SG_ERR_DUPLICATE_ATTR", `nfqueue attribute ${dec.type} appears twice (second at offset ${dec.offset})`));
      return false;
    }
    seen.add(dec.type);
    return true;
  };
  if (kind === "config") {
    const m: NfqConfig = { kind, ...base, queue, family };
    let mask: number | undefined;
    let value: number | undefined;
    while (dec.next()) {
      if (!once()) break;
      switch (dec.type) {
        case NFQA_CFG.CMD: {
          const v = payloadView(dec, 4, "CFG_CMD");
          const c = v?.getUint8(0) ?? 0;
          if (v && c >= CONFIG_COMMANDS.length) dec.fail(new SockgateError("SG_ERR_BAD_ENUM", `nfqueue config command ${c}: expected 0..${CONFIG_COMMANDS.length - 1}`));
          if (v) m.command = { command: CONFIG_COMMANDS[c] ?? "none", pf: v.getUint16(2) };
          break;
        }
        case NFQA_CFG.PARAMS: {
          const v = payloadView(dec, 5, "CFG_PARAMS");
          const mode = v?.getUint8(4) ?? 0;
          if (v && mode >= COPY_MODES.length) dec.fail(new SockgateError("SG_ERR_BAD_ENUM", `nfqueue copy mode ${mode}: expected 0..2`));
          if (v) m.params = { copyRange: v.getUint32(0), copyMode: COPY_MODES[mode] ?? "none" };
          break;
        }
        case NFQA_CFG.QUEUE_MAXLEN:
          m.queueMaxLen = readBe32(dec, "CFG_QUEUE_MAXLEN");
          break;
        case NFQA_CFG.MASK:
          mask = readBe32(dec, "CFG_MASK");
          break;
        case NFQA_CFG.FLAGS:
          value = readBe32(dec, "CFG_FLAGS");
          break;
        default:
          unknown.push({ type: dec.type, data: dec.data().slice() });
      }
    }
    if (dec.error) throw dec.error;
    if ((mask === undefined) !== (value === undefined)) {
      throw new SockgateError("SG_ERR_MISSING_ATTR", "nfqueue config carries only one of CFG_MASK and CFG_FLAGS: expected both or neither");
    }
    if (mask !== undefined && value !== undefined) m.flags = { mask, value };
    if (unknown.length > 0) m.unknown = unknown;
    return m;
  }
  if (kind === "verdict" || kind === "verdict-batch") {
    let hdr: { verdict: number; id: number } | undefined;
    let mark: number | undefined;
    while (dec.next()) {
      if (!once()) break;
      if (dec.type === NFQA.VERDICT_HDR) {
        const v = payloadView(dec, 8, "VERDICT_HDR");
        if (v) hdr = { verdict: v.getUint32(0), id: v.getUint32(4) };
      } else if (dec.type === NFQA.MARK) {
        mark = readBe32(dec, "MARK");
      } else {
        unknown.push({ type: dec.type, data: dec.data().slice() });
      }
    }
    if (dec.error) throw dec.error;
    if (hdr === undefined) throw new SockgateError("SG_ERR_MISSING_ATTR", "nfqueue verdict lacks NFQA_VERDICT_HDR");
    const m: NfqVerdict = { kind, ...base, queue, family, ...hdr };
    if (mark !== undefined) m.mark = mark;
    if (unknown.length > 0) m.unknown = unknown;
    return m;
  }
  const m: Partial<NfqPacket> = { kind: "packet", ...base, queue, family };
  while (dec.next()) {
    if (!once()) break;
    switch (dec.type) {
      case NFQA.PACKET_HDR: {
        const v = payloadView(dec, 7, "PACKET_HDR");
        if (v) Object.assign(m, { id: v.getUint32(0), hwProtocol: v.getUint16(4), hook: v.getUint8(6) });
        break;
      }
      case NFQA.MARK:
        m.mark = readBe32(dec, "MARK");
        break;
      case NFQA.TIMESTAMP: {
        const v = payloadView(dec, 16, "TIMESTAMP");
        if (v) m.timestamp = { sec: v.getBigUint64(0), usec: v.getBigUint64(8) };
        break;
      }
      case NFQA.IFINDEX_INDEV:
        m.indev = readBe32(dec, "IFINDEX_INDEV");
        break;
      case NFQA.IFINDEX_OUTDEV:
        m.outdev = readBe32(dec, "IFINDEX_OUTDEV");
        break;
      case NFQA.PAYLOAD:
        m.payload = dec.data().slice();
        break;
      case NFQA.CAP_LEN:
        m.capLen = readBe32(dec, "CAP_LEN");
        break;
      case NFQA.SKB_INFO:
        m.skbInfo = readBe32(dec, "SKB_INFO");
        break;
      case NFQA.UID:
        m.uid = readBe32(dec, "UID");
        break;
      case NFQA.GID:
        m.gid = readBe32(dec, "GID");
        break;
      default:
        unknown.push({ type: dec.type, data: dec.data().slice() });
    }
  }
  if (dec.error) throw dec.error;
  if (m.id === undefined) throw new SockgateError("SG_ERR_MISSING_ATTR", "nfqueue packet lacks NFQA_PACKET_HDR");
  if (unknown.length > 0) m.unknown = unknown;
  return m as NfqPacket;
}
decode.bytes = 0;

/** Every message of one netlink datagram, in order (messages are 4-byte aligned). */
export function decodeAll(datagram: Uint8Array): NfqMessage[] {
  const out: NfqMessage[] = [];
  for (let at = 0; at < datagram.length; at += (decode.bytes + 3) & ~3) {
    out.push(decode(datagram, at));
  }
  return out;
}
