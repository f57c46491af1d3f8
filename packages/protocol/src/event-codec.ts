// Codec for the shim's event record (struct sg_event in abi/sockgate-abi.h): an 8-byte
// sg_msg_hdr then nlattr attributes. The encoder writes attributes in the C struct's
// member order with the C struct's sizes, so its output is byte-identical to what the
// BPF side emits (checked by the golden vectors, from both TypeScript and C).

import {
  ABI_VERSION,
  Attr,
  COMM_LEN,
  HOOKS,
  MSG_EVENT,
  OPS,
  PATH_MAX,
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
import { ADDRESS_BYTES, formatAddress, parseAddress } from "./address.js";
import { SockgateError } from "./errors.js";
import { AttributeDecoder, AttributeEncoder, NLA_HDRLEN, attributeLength } from "./nlattr.js";

export const MSG_HDR_LEN = 8;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** An attribute this decoder does not know, kept so re-encoding does not lose it. */
export interface UnknownAttribute {
  type: number;
  data: Uint8Array;
}

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
  exeIno: bigint;
  /** Kernel dev_t: major << 20 | minor. */
  exeDev: bigint;
  cookie: bigint;
  /** CLOCK_MONOTONIC nanoseconds at the call. */
  ktime: bigint;
  /** RFC 5952 text; IPv4 is v4-mapped ("::ffff:192.0.2.1"). */
  localAddr: string;
  remoteAddr: string;
  localPort: number;
  remotePort: number;
  comm: string;
  /** Empty when the EVENT_FLAG_NO_EXE flag is set. */
  exePath: string;
  unknown: UnknownAttribute[];
}

type AttrField = Exclude<keyof ShimEvent, "version" | "type" | "unknown">;
type Raw = number | bigint | Uint8Array;

/** How one attribute's value maps between ShimEvent and its payload. */
interface FieldCodec {
  /** Validates a ShimEvent value and turns it into what the encoder writes. */
  prepare(value: unknown, field: string): Raw;
  payloadLength(raw: Raw): number;
  write(enc: AttributeEncoder, type: number, raw: Raw): void;
  /** Reads the current attribute; problems go to dec.fail(). */
  read(dec: AttributeDecoder, field: string): unknown;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: false });

function badValue(
  field: string,
  expected: string,
  got: unknown,
  code: "SG_ERR_BAD_VALUE" | "SG_ERR_BAD_ENUM" = "SG_ERR_BAD_VALUE",
): SockgateError {
  const shown = typeof got === "bigint" ? `${got}n` : typeof got === "string" ? JSON.stringify(got) : String(got);
  return new SockgateError(code, `event field ${field}: expected ${expected}, got ${shown}`);
}

function u32Codec(max = 0xffffffff, check?: (n: number) => string | null): FieldCodec {
  return {
    prepare(value, field) {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
        throw badValue(field, `an integer 0..${max}`, value);
      }
      const problem = check?.(value);
      if (problem) throw badValue(field, problem, value, "SG_ERR_BAD_ENUM");
      return value;
    },
    payloadLength: () => 4,
    write: (enc, type, raw) => enc.u32(type, raw as number),
    read(dec, field) {
      const n = dec.u32();
      if (dec.error) return 0;
      if (n > max) dec.fail(badValue(field, `at most ${max}`, n));
      const problem = check?.(n);
      if (problem) dec.fail(badValue(field, problem, n, "SG_ERR_BAD_ENUM"));
      return n;
    },
  };
}

/** u32 on the wire, a name from `names` (indexed by value) in ShimEvent. */
function enumCodec(names: readonly string[], invalid: readonly number[] = []): FieldCodec {
  const valid = names.filter((_, i) => !invalid.includes(i));
  const expected = `one of ${valid.join(", ")}`;
  return {
    prepare(value, field) {
      const i = typeof value === "string" ? names.indexOf(value) : -1;
      if (i < 0 || invalid.includes(i)) throw badValue(field, expected, value, "SG_ERR_BAD_ENUM");
      return i;
    },
    payloadLength: () => 4,
    write: (enc, type, raw) => enc.u32(type, raw as number),
    read(dec, field) {
      const n = dec.u32();
      if (dec.error) return names[0];
      if (n >= names.length || invalid.includes(n)) {
        const codes = names.map((_, i) => i).filter((i) => !invalid.includes(i));
        dec.fail(
          new SockgateError("SG_ERR_BAD_ENUM", `event field ${field}: expected a value in ${codes.join(",")}, got ${n}`),
        );
      }
      return names[n];
    },
  };
}

const u64Codec: FieldCodec = {
  prepare(value, field) {
    if (typeof value !== "bigint" || value < 0n || value > 0xffffffffffffffffn) {
      throw badValue(field, "a bigint 0..2^64-1", value);
    }
    return value;
  },
  payloadLength: () => 8,
  write: (enc, type, raw) => enc.u64(type, raw as bigint),
  read: (dec) => dec.u64(),
};

const addressCodec: FieldCodec = {
  prepare(value, field) {
    if (typeof value !== "string") throw badValue(field, "an address string", value);
    return parseAddress(value);
  },
  payloadLength: () => ADDRESS_BYTES,
  write: (enc, type, raw) => enc.bytes(type, raw as Uint8Array),
  read: (dec) => formatAddress(dec.fixed(ADDRESS_BYTES, "address")),
};

/** UTF-8 bytes of a string that must fit `maxBytes` and hold no NUL (it would end it early). */
function stringBytes(value: unknown, field: string, maxBytes: number): Uint8Array {
  if (typeof value !== "string") throw badValue(field, "a string", value);
  if (value.includes("\0")) throw badValue(field, "a string without NUL characters", value);
  const bytes = utf8.encode(value);
  if (bytes.length > maxBytes) throw badValue(field, `at most ${maxBytes} UTF-8 bytes, not ${bytes.length}`, value);
  return bytes;
}

/** Text up to the first NUL; the payload must contain one. */
function readCString(dec: AttributeDecoder, payload: Uint8Array, field: string): string {
  const nul = payload.indexOf(0);
  if (nul < 0) {
    dec.fail(
      new SockgateError(
        "SG_ERR_BAD_STRING",
        `event field ${field} at offset ${dec.offset}: expected a NUL-terminated string, the ${payload.length} payload bytes hold no NUL`,
      ),
    );
    return "";
  }
  return fromUtf8.decode(payload.subarray(0, nul));
}

/** Fixed COMM_LEN bytes, NUL padded (the kernel's task comm). */
const commCodec: FieldCodec = {
  prepare: (value, field) => stringBytes(value, field, COMM_LEN - 1),
  payloadLength: () => COMM_LEN,
  write: (enc, type, raw) => enc.bytes(type, raw as Uint8Array, COMM_LEN),
  read(dec, field) {
    const payload = dec.fixed(COMM_LEN, "comm");
    return dec.error ? "" : readCString(dec, payload, field);
  },
};

/** NUL-terminated, variable length: nla_len = 4 + strlen + 1, at most PATH_MAX payload bytes. */
const pathCodec: FieldCodec = {
  prepare: (value, field) => stringBytes(value, field, PATH_MAX - 1),
  payloadLength: (raw) => (raw as Uint8Array).length + 1,
  write: (enc, type, raw) => enc.bytes(type, raw as Uint8Array, (raw as Uint8Array).length + 1),
  read(dec, field) {
    const payload = dec.data();
    if (payload.length > PATH_MAX) {
      dec.fail(
        new SockgateError(
          "SG_ERR_BAD_ATTR_LEN",
          `event field ${field} at offset ${dec.offset} has nla_len ${dec.length}: expected at most ${NLA_HDRLEN + PATH_MAX}`,
        ),
      );
      return "";
    }
    const text = readCString(dec, payload, field);
    if (!dec.error && payload.indexOf(0) !== payload.length - 1) {
      dec.fail(
        new SockgateError(
          "SG_ERR_BAD_STRING",
          `event field ${field} at offset ${dec.offset}: expected the NUL as the last payload byte, found it at ${payload.indexOf(0)} of ${payload.length}`,
        ),
      );
    }
    return text;
  },
};

const familyCodec = u32Codec(0xffffffff, (n) => (n === AF_INET || n === AF_INET6 ? null : "2 (AF_INET) or 10 (AF_INET6)"));
const portCodec = u32Codec(0xffff);
const u32 = u32Codec();

export interface LayoutEntry {
  readonly attr: AttrName;
  readonly field: AttrField;
  readonly codec: FieldCodec;
}

/** The attributes of struct sg_event, in member order (abi-header.test.ts checks the order). */
export const EVENT_LAYOUT: readonly LayoutEntry[] = [
  { attr: "OP", field: "op", codec: enumCodec(OPS) },
  { attr: "PROTO", field: "proto", codec: enumCodec(PROTOS) },
  { attr: "FAMILY", field: "family", codec: familyCodec },
  { attr: "HOOK", field: "hook", codec: enumCodec(HOOKS) },
  { attr: "VERDICT", field: "verdict", codec: enumCodec(VERDICTS) },
  { attr: "REASON", field: "reason", codec: enumCodec(REASONS, [0]) },
  { attr: "TAG", field: "tag", codec: u32 },
  { attr: "PID", field: "pid", codec: u32 },
  { attr: "TGID", field: "tgid", codec: u32 },
  { attr: "PPID", field: "ppid", codec: u32 },
  { attr: "UID", field: "uid", codec: u32 },
  { attr: "GID", field: "gid", codec: u32 },
  { attr: "FLAGS", field: "flags", codec: u32 },
  { attr: "CGROUP_ID", field: "cgroupId", codec: u64Codec },
  { attr: "EXE_INO", field: "exeIno", codec: u64Codec },
  { attr: "EXE_DEV", field: "exeDev", codec: u64Codec },
  { attr: "COOKIE", field: "cookie", codec: u64Codec },
  { attr: "KTIME", field: "ktime", codec: u64Codec },
  { attr: "LOCAL_ADDR", field: "localAddr", codec: addressCodec },
  { attr: "REMOTE_ADDR", field: "remoteAddr", codec: addressCodec },
  { attr: "LOCAL_PORT", field: "localPort", codec: portCodec },
  { attr: "REMOTE_PORT", field: "remotePort", codec: portCodec },
  { attr: "COMM", field: "comm", codec: commCodec },
  { attr: "EXE_PATH", field: "exePath", codec: pathCodec },
];

const BY_TYPE = new Map<number, LayoutEntry>(EVENT_LAYOUT.map((e) => [Attr[e.attr], e]));

interface Prepared {
  version: number;
  parts: Raw[];
  unknown: UnknownAttribute[];
  length: number;
}

function prepare(v: ShimEvent): Prepared {
  if (typeof v !== "object" || v === null) throw badValue("(event)", "an object", v);
  if (!Number.isInteger(v.version) || v.version < 1 || v.version > 0xffff) {
    throw new SockgateError(
      "SG_ERR_BAD_VERSION",
      `event version must be an integer 1..65535 (this codec writes ${ABI_VERSION}), got ${String(v.version)}`,
    );
  }
  if (v.type !== MSG_EVENT) {
    throw new SockgateError("SG_ERR_BAD_MSG_TYPE", `event type must be ${MSG_EVENT} (SG_MSG_EVENT), got ${String(v.type)}`);
  }
  let length = MSG_HDR_LEN;
  const parts = EVENT_LAYOUT.map((e) => {
    const raw = e.codec.prepare(v[e.field], e.field);
    length += attributeLength(e.codec.payloadLength(raw));
    return raw;
  });
  const unknown = v.unknown ?? [];
  if (!Array.isArray(unknown)) throw badValue("unknown", "an array of {type, data}", unknown);
  unknown.forEach((u, i) => {
    const field = `unknown[${i}]`;
    if (typeof u !== "object" || u === null || !(u.data instanceof Uint8Array)) {
      throw badValue(field, "{type: number, data: Uint8Array}", u);
    }
    if (!Number.isInteger(u.type) || u.type < 0 || u.type > 0xffff) throw badValue(`${field}.type`, "an integer 0..65535", u.type);
    const known = BY_TYPE.get(u.type);
    if (known) throw badValue(`${field}.type`, `a type this codec does not know (${u.type} is ${known.attr}: set ${known.field})`, u.type);
    if (u.data.length > 0xffff - NLA_HDRLEN) throw badValue(`${field}.data`, `at most ${0xffff - NLA_HDRLEN} bytes`, `${u.data.length} bytes`);
    length += attributeLength(u.data.length);
  });
  return { version: v.version, parts, unknown, length };
}

/** Bytes encode(v) writes. Throws SockgateError when v cannot be encoded. */
export function encodingLength(v: ShimEvent): number {
  return prepare(v).length;
}

/**
 * Writes v into buf at offset (allocating when buf is omitted) and returns buf;
 * encode.bytes is then the number of bytes written.
 */
export function encode(v: ShimEvent, buf?: Uint8Array, offset = 0): Uint8Array {
  const p = prepare(v);
  if (!Number.isInteger(offset) || offset < 0) throw badValue("offset", "a non-negative integer", offset);
  const out = buf ?? new Uint8Array(offset + p.length);
  if (out.length - offset < p.length) {
    throw new SockgateError(
      "SG_ERR_BUFFER_TOO_SMALL",
      `event record needs ${p.length} bytes at offset ${offset}, buffer holds ${out.length}`,
    );
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(offset, p.length, true);
  view.setUint16(offset + 4, p.version, true);
  view.setUint16(offset + 6, MSG_EVENT, true);
  const enc = new AttributeEncoder(out, offset + MSG_HDR_LEN);
  EVENT_LAYOUT.forEach((e, i) => e.codec.write(enc, Attr[e.attr], p.parts[i]!));
  for (const u of p.unknown) enc.bytes(u.type, u.data);
  encode.bytes = p.length;
  return out;
}
encode.bytes = 0;

/**
 * Reads one record from buf at offset. Honours the header's length: bytes after it
 * (the rest of a fixed-size ring-buffer slot) are ignored; decode.bytes is that length.
 * Attributes it does not know are returned in `unknown`, in the order met.
 */
export function decode(buf: Uint8Array, offset = 0): ShimEvent {
  if (!(buf instanceof Uint8Array)) throw badValue("(buffer)", "a Uint8Array or Buffer", buf);
  if (!Number.isInteger(offset) || offset < 0) throw badValue("offset", "a non-negative integer", offset);
  const avail = Math.max(0, buf.length - offset);
  if (avail < MSG_HDR_LEN) {
    throw new SockgateError(
      "SG_ERR_TRUNCATED",
      `event record truncated: header needs ${MSG_HDR_LEN} bytes, buffer holds ${avail}`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = view.getUint32(offset, true);
  const version = view.getUint16(offset + 4, true);
  const type = view.getUint16(offset + 6, true);
  if (len < MSG_HDR_LEN) {
    throw new SockgateError(
      "SG_ERR_BAD_LENGTH",
      `event record header says ${len} bytes: expected at least ${MSG_HDR_LEN} (the header itself)`,
    );
  }
  if (len > avail) {
    throw new SockgateError("SG_ERR_TRUNCATED", `event record truncated: header says ${len} bytes, buffer holds ${avail}`);
  }
  if (version === 0) {
    throw new SockgateError(
      "SG_ERR_BAD_VERSION",
      `event record version 0 is invalid: expected ${ABI_VERSION} or later (newer versions decode, their new attributes kept as unknown)`,
    );
  }
  if (type !== MSG_EVENT) {
    throw new SockgateError("SG_ERR_BAD_MSG_TYPE", `event record has message type ${type}: expected ${MSG_EVENT} (SG_MSG_EVENT)`);
  }

  const values = new Map<AttrField, unknown>();
  const unknown: UnknownAttribute[] = [];
  const dec = new AttributeDecoder(buf, offset + MSG_HDR_LEN, offset + len);
  while (dec.next()) {
    const entry = BY_TYPE.get(dec.type);
    if (entry === undefined) {
      unknown.push({ type: dec.type, data: dec.data().slice() });
      continue;
    }
    if (values.has(entry.field)) {
      dec.fail(
        new SockgateError(
          "SG_ERR_DUPLICATE_ATTR",
          `event record has attribute ${entry.attr} (${dec.type}) twice: second at offset ${dec.offset}, expected once`,
        ),
      );
      break;
    }
    values.set(entry.field, entry.codec.read(dec, entry.field));
  }
  if (dec.error) throw dec.error;
  for (const e of EVENT_LAYOUT) {
    if (!values.has(e.field)) {
      throw new SockgateError(
        "SG_ERR_MISSING_ATTR",
        `event record lacks attribute ${e.attr} (${Attr[e.attr]}): every version-${ABI_VERSION} attribute is required`,
      );
    }
  }
  const event: Record<string, unknown> = { version, type };
  for (const e of EVENT_LAYOUT) event[e.field] = values.get(e.field);
  event.unknown = unknown;
  decode.bytes = len;
  return event as unknown as ShimEvent;
}
decode.bytes = 0;
