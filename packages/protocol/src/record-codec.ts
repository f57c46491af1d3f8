// A codec for one kind of shim record (header, then nlattr attributes in a fixed order,
// unknown attributes kept), made from its layout. The event record and the DNS record are
// two instances; both write attributes in their C struct's member order, so what they
// encode is byte-identical to what the BPF side emits.

import { ABI_VERSION } from "./abi.js";
import { SockgateError } from "./errors.js";
import { AttributeDecoder, AttributeEncoder, NLA_HDRLEN, attributeLength } from "./nlattr.js";
import { badValue, type FieldCodec, type Raw } from "./record-fields.js";

export const MSG_HDR_LEN = 8;

/** An attribute this decoder does not know, kept so re-encoding does not lose it. */
export interface UnknownAttribute {
  type: number;
  data: Uint8Array;
}

export interface LayoutEntry<F extends string = string> {
  readonly attr: string;
  /** nla_type */
  readonly type: number;
  readonly field: F;
  readonly codec: FieldCodec;
  /** May be absent from a record (then absent from the decoded object). */
  readonly optional?: boolean;
}

export interface RecordSpec<F extends string> {
  /** Names the record in messages: "event", "DNS". */
  noun: string;
  msgType: number;
  msgTypeName: string;
  layout: readonly LayoutEntry<F>[];
}

export interface RecordCodec<Rec> {
  encode: ((v: Rec, buf?: Uint8Array, offset?: number) => Uint8Array) & { bytes: number };
  decode: ((buf: Uint8Array, offset?: number) => Rec) & { bytes: number };
  encodingLength(v: Rec): number;
}

/** A record read but not yet assembled: `values[i]` is layout entry i's value (undefined
 *  when an optional attribute is absent). */
export interface DecodedParts {
  version: number;
  type: number;
  values: unknown[];
  unknown: UnknownAttribute[];
  /** The header's length: what decode.bytes reports. */
  bytes: number;
}

/** A record codec that also hands out its decoded values by layout index. */
export interface PartsCodec<Rec> extends RecordCodec<Rec> {
  decodeParts(buf: Uint8Array, offset?: number): DecodedParts;
}

export function recordCodec<Rec extends { version: number; type: number; unknown?: UnknownAttribute[] }, F extends string>(
  spec: RecordSpec<F>,
): PartsCodec<Rec> {
  const { noun, msgType, msgTypeName, layout } = spec;
  // decode runs once per record the kernel writes: its lookups and labels are made once here
  // (encode uses the same ones)
  // layout index by nla_type, an array: decode looks up every attribute's type
  const byType: number[] = [];
  layout.forEach((e, i) => (byType[e.type] = i));
  const indexOfType = (type: number): number | undefined => (type < byType.length ? byType[type] : undefined);
  const label = (field: string): string => `${noun} field ${field}`;
  const labels = layout.map((e) => label(e.field));
  const bad = (field: string, expected: string, got: unknown): SockgateError => badValue(label(field), expected, got);

interface Prepared {
  version: number;
  parts: Array<Raw | undefined>;
  unknown: UnknownAttribute[];
  length: number;
}

  function prepare(v: Rec): Prepared {
  if (typeof v !== "object" || v === null) throw bad("(" + noun + ")", "an object", v);
  if (!Number.isInteger(v.version) || v.version < 1 || v.version > 0xffff) {
    throw new SockgateError(
      "SG_ERR_BAD_VERSION",
      `${noun} version must be an integer 1..65535 (this codec writes ${ABI_VERSION}), got ${String(v.version)}`,
    );
  }
  if (v.type !== msgType) {
    throw new SockgateError("SG_ERR_BAD_MSG_TYPE", `${noun} type must be ${msgType} (${msgTypeName}), got ${String(v.type)}`);
  }
  let length = MSG_HDR_LEN;
  const parts = layout.map((e, i) => {
    const value = (v as unknown as Record<string, unknown>)[e.field];
    if (value === undefined && e.optional) return undefined;
    const raw = e.codec.prepare(value, labels[i]!);
    length += attributeLength(e.codec.payloadLength(raw));
    return raw;
  });
  const unknown = v.unknown ?? [];
  if (!Array.isArray(unknown)) throw bad("unknown", "an array of {type, data}", unknown);
  unknown.forEach((u, i) => {
    const field = `unknown[${i}]`;
    if (typeof u !== "object" || u === null || !(u.data instanceof Uint8Array)) {
      throw bad(field, "{type: number, data: Uint8Array}", u);
    }
    if (!Number.isInteger(u.type) || u.type < 0 || u.type > 0xffff) throw bad(`${field}.type`, "an integer 0..65535", u.type);
    const at = indexOfType(u.type);
    const known = at === undefined ? undefined : layout[at];
    if (known) throw bad(`${field}.type`, `a type this codec does not know (${u.type} is ${known.attr}: set ${known.field})`, u.type);
    if (u.data.length > 0xffff - NLA_HDRLEN) throw bad(`${field}.data`, `at most ${0xffff - NLA_HDRLEN} bytes`, `${u.data.length} bytes`);
    length += attributeLength(u.data.length);
  });
  return { version: v.version, parts, unknown, length };
}

/** Bytes encode(v) writes. Throws SockgateError when v cannot be encoded. */
function encodingLength(v: Rec): number {
  return prepare(v).length;
}

/**
 * Writes v into buf at offset (allocating when buf is omitted) and returns buf;
 * encode.bytes is then the number of bytes written.
 */
function encode(v: Rec, buf?: Uint8Array, offset = 0): Uint8Array {
  const p = prepare(v);
  if (!Number.isInteger(offset) || offset < 0) throw bad("offset", "a non-negative integer", offset);
  const out = buf ?? new Uint8Array(offset + p.length);
  if (out.length - offset < p.length) {
    throw new SockgateError(
      "SG_ERR_BUFFER_TOO_SMALL",
      `${noun} record needs ${p.length} bytes at offset ${offset}, buffer holds ${out.length}`,
    );
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(offset, p.length, true);
  view.setUint16(offset + 4, p.version, true);
  view.setUint16(offset + 6, msgType, true);
  const enc = new AttributeEncoder(out, offset + MSG_HDR_LEN);
  layout.forEach((e, i) => {
    const raw = p.parts[i];
    if (raw !== undefined) e.codec.write(enc, e.type, raw);
  });
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
function decodeParts(buf: Uint8Array, offset = 0): DecodedParts {
  if (!(buf instanceof Uint8Array)) throw bad("(buffer)", "a Uint8Array or Buffer", buf);
  if (!Number.isInteger(offset) || offset < 0) throw bad("offset", "a non-negative integer", offset);
  const avail = Math.max(0, buf.length - offset);
  if (avail < MSG_HDR_LEN) {
    throw new SockgateError(
      "SG_ERR_TRUNCATED",
      `${noun} record truncated: header needs ${MSG_HDR_LEN} bytes, buffer holds ${avail}`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = view.getUint32(offset, true);
  const version = view.getUint16(offset + 4, true);
  const type = view.getUint16(offset + 6, true);
  if (len < MSG_HDR_LEN) {
    throw new SockgateError(
      "SG_ERR_BAD_LENGTH",
      `${noun} record header says ${len} bytes: expected at least ${MSG_HDR_LEN} (the header itself)`,
    );
  }
  if (len > avail) {
    throw new SockgateError("SG_ERR_TRUNCATED", `${noun} record truncated: header says ${len} bytes, buffer holds ${avail}`);
  }
  if (version === 0) {
    throw new SockgateError(
      "SG_ERR_BAD_VERSION",
      `${noun} record version 0 is invalid: expected ${ABI_VERSION} or later (newer versions decode, their new attributes kept as unknown)`,
    );
  }
  if (type !== msgType) {
    throw new SockgateError("SG_ERR_BAD_MSG_TYPE", `${noun} record has message type ${type}: expected ${msgType} (${msgTypeName})`);
  }

  const values: unknown[] = new Array(layout.length);
  const seen = new Uint8Array(layout.length);
  const unknown: UnknownAttribute[] = [];
  const dec = new AttributeDecoder(buf, offset + MSG_HDR_LEN, offset + len);
  while (dec.next()) {
    const i = indexOfType(dec.type);
    if (i === undefined) {
      unknown.push({ type: dec.type, data: dec.data().slice() });
      continue;
    }
    const entry = layout[i]!;
    if (seen[i] === 1) {
      dec.fail(
        new SockgateError(
          "SG_ERR_DUPLICATE_ATTR",
          `${noun} record has attribute ${entry.attr} (${dec.type}) twice: second at offset ${dec.offset}, expected once`,
        ),
      );
      break;
    }
    seen[i] = 1;
    values[i] = entry.codec.read(dec, labels[i]!);
  }
  if (dec.error) throw dec.error;
  for (let i = 0; i < layout.length; i++) {
    const e = layout[i]!;
    if (seen[i] !== 1 && !e.optional) {
      throw new SockgateError(
        "SG_ERR_MISSING_ATTR",
        `${noun} record lacks attribute ${e.attr} (${e.type}): every version-${ABI_VERSION} attribute is required`,
      );
    }
  }
  return { version, type, values, unknown, bytes: len };
}

function decode(buf: Uint8Array, offset = 0): Rec {
  const parts = decodeParts(buf, offset);
  const record: Record<string, unknown> = { version: parts.version, type: parts.type };
  for (let i = 0; i < layout.length; i++) if (parts.values[i] !== undefined) record[layout[i]!.field] = parts.values[i];
  record.unknown = parts.unknown;
  decode.bytes = parts.bytes;
  return record as unknown as Rec;
}
decode.bytes = 0;

  return { encode, decode, decodeParts, encodingLength };
}

/**
 * The codec of a public shape `V` over a record codec of its wire shape: `toWire` checks and
 * converts on the way out, `fromWire` on the way in. encode.bytes and decode.bytes follow
 * the record codec's.
 */
export function mappedCodec<V, Rec>(codec: RecordCodec<Rec>, toWire: (v: V) => Rec, fromWire: (w: Rec) => V): RecordCodec<V> {
  const encode = Object.assign(
    (v: V, buf?: Uint8Array, offset = 0): Uint8Array => {
      const out = codec.encode(toWire(v), buf, offset);
      encode.bytes = codec.encode.bytes;
      return out;
    },
    { bytes: 0 },
  );
  const decode = Object.assign(
    (buf: Uint8Array, offset = 0): V => {
      const out = fromWire(codec.decode(buf, offset));
      decode.bytes = codec.decode.bytes;
      return out;
    },
    { bytes: 0 },
  );
  return { encode, decode, encodingLength: (v: V) => codec.encodingLength(toWire(v)) };
}

/**
 * As mappedCodec, but `fromParts` builds the public shape from the decoded values by layout
 * index: no intermediate wire object is assembled property by property (one record per held
 * call is decoded; with views for its fixed fields, 4.9-6.2 → 2.5-3.1 µs a record).
 */
export function mappedPartsCodec<V, Rec>(codec: PartsCodec<Rec>, toWire: (v: V) => Rec, fromParts: (p: DecodedParts) => V): RecordCodec<V> {
  const { encode, encodingLength } = mappedCodec(codec, toWire, (w: Rec) => w as unknown as V);
  const decode = Object.assign(
    (buf: Uint8Array, offset = 0): V => {
      const parts = codec.decodeParts(buf, offset);
      const out = fromParts(parts);
      decode.bytes = parts.bytes;
      return out;
    },
    { bytes: 0 },
  );
  return { encode, decode, encodingLength };
}
