// Netlink-style attributes (nlattr TLV): a 4-byte header {u16 nla_len, u16 nla_type}, both
// little-endian, then the payload; nla_len counts header plus payload but not the padding
// that aligns the next attribute to 4 bytes. A decoder that meets a type it does not know
// skips it by nla_len, which is what lets old readers accept newer records.

import { SockgateError } from "./errors.js";

export const NLA_HDRLEN = 4;
const NLA_LEN_MAX = 0xffff;

export function nlaAlign(len: number): number {
  return (len + 3) & ~3;
}

/** Bytes an attribute with `payloadLength` bytes of payload takes, padding included. */
export function attributeLength(payloadLength: number): number {
  return nlaAlign(NLA_HDRLEN + payloadLength);
}

function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Walks the attributes in buf[start, end). Use it like mdlayher/netlink's decoder:
 *
 *   const ad = new AttributeDecoder(buf, start, end);
 *   while (ad.next()) { if (ad.type === 7) tag = ad.u32(); }
 *   if (ad.error) throw ad.error;
 *
 * The first problem (a malformed header, or a typed read of the wrong size) is kept as a
 * sticky error: next() then returns false and later reads return zero values, so the
 * loop body needs no error handling of its own.
 */
export class AttributeDecoder {
  /** nla_type of the current attribute. */
  type = 0;
  /** Offset in the buffer of the current attribute's header. */
  offset = -1;
  /** nla_len of the current attribute (header plus payload). */
  length = 0;
  private nextOffset: number;
  private err: SockgateError | null = null;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.view = viewOf(buf);
    this.nextOffset = start;
  }

  /** The first error met, or null. Check it after the loop. */
  get error(): SockgateError | null {
    return this.err;
  }

  /** Records a problem with the current attribute (first one wins). */
  fail(err: SockgateError): void {
    this.err ??= err;
  }

  next(): boolean {
    if (this.err !== null) return false;
    const at = this.nextOffset;
    if (at >= this.end) return false;
    const left = this.end - at;
    if (left < NLA_HDRLEN) {
      this.fail(
        new SockgateError(
          "SG_ERR_TRUNCATED",
          `attribute header truncated at offset ${at}: needs ${NLA_HDRLEN} bytes, ${left} left`,
        ),
      );
      return false;
    }
    const len = this.view.getUint16(at, true);
    const type = this.view.getUint16(at + 2, true);
    if (len < NLA_HDRLEN) {
      this.fail(
        new SockgateError(
          "SG_ERR_BAD_ATTR_LEN",
          `attribute type ${type} at offset ${at} has nla_len ${len}: expected at least ${NLA_HDRLEN}`,
        ),
      );
      return false;
    }
    if (len > left) {
      this.fail(
        new SockgateError(
          "SG_ERR_TRUNCATED",
          `attribute type ${type} at offset ${at} truncated: nla_len says ${len} bytes, ${left} left`,
        ),
      );
      return false;
    }
    this.offset = at;
    this.type = type;
    this.length = len;
    // May point past `end` when the record cuts the last attribute's padding: next() stops there.
    this.nextOffset = at + nlaAlign(len);
    return true;
  }

  /** Payload of the current attribute, a view into the decoded buffer. */
  data(): Uint8Array {
    return this.buf.subarray(this.offset + NLA_HDRLEN, this.offset + this.length);
  }

  /** Payload length of the current attribute. */
  get payloadLength(): number {
    return this.length - NLA_HDRLEN;
  }

  private expectPayload(n: number, what: string): boolean {
    if (this.payloadLength === n) return true;
    this.fail(
      new SockgateError(
        "SG_ERR_BAD_ATTR_LEN",
        `attribute type ${this.type} (${what}) at offset ${this.offset} has nla_len ${this.length}: expected ${NLA_HDRLEN + n}`,
      ),
    );
    return false;
  }

  u32(): number {
    if (!this.expectPayload(4, "u32")) return 0;
    return this.view.getUint32(this.offset + NLA_HDRLEN, true);
  }

  /** u64 stored as two little-endian u32 halves, low half first. */
  u64(): bigint {
    if (!this.expectPayload(8, "u64")) return 0n;
    const lo = this.view.getUint32(this.offset + NLA_HDRLEN, true);
    const hi = this.view.getUint32(this.offset + NLA_HDRLEN + 4, true);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Payload of exactly n bytes, copied. */
  fixed(n: number, what: string): Uint8Array {
    return this.fixedView(n, what).slice();
  }

  /** Payload of exactly n bytes, a view into the decoded buffer (for a value read at once). */
  fixedView(n: number, what: string): Uint8Array {
    if (!this.expectPayload(n, what)) return new Uint8Array(n);
    return this.data();
  }
}

/**
 * Writes attributes one after another into buf from `offset`, zeroing padding so the
 * output is byte-identical whatever the buffer held before. Throws SG_ERR_BUFFER_TOO_SMALL
 * rather than writing past the end.
 */
export class AttributeEncoder {
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    public offset = 0,
  ) {
    this.view = viewOf(buf);
  }

  private header(type: number, payloadLength: number): number {
    const len = NLA_HDRLEN + payloadLength;
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) {
      throw new SockgateError("SG_ERR_BAD_VALUE", `attribute type must be an integer 0..65535, got ${String(type)}`);
    }
    if (len > NLA_LEN_MAX) {
      throw new SockgateError(
        "SG_ERR_BAD_VALUE",
        `attribute type ${type} payload is ${payloadLength} bytes: at most ${NLA_LEN_MAX - NLA_HDRLEN} fit in nla_len`,
      );
    }
    const need = nlaAlign(len);
    if (this.offset + need > this.buf.length) {
      throw new SockgateError(
        "SG_ERR_BUFFER_TOO_SMALL",
        `attribute type ${type} needs ${need} bytes at offset ${this.offset}, buffer holds ${this.buf.length}`,
      );
    }
    this.view.setUint16(this.offset, len, true);
    this.view.setUint16(this.offset + 2, type, true);
    this.buf.fill(0, this.offset + len, this.offset + need);
    const payloadAt = this.offset + NLA_HDRLEN;
    this.offset += need;
    return payloadAt;
  }

  u32(type: number, value: number): void {
    const at = this.header(type, 4);
    this.view.setUint32(at, value, true);
  }

  u64(type: number, value: bigint): void {
    const at = this.header(type, 8);
    this.view.setUint32(at, Number(value & 0xffffffffn), true);
    this.view.setUint32(at + 4, Number((value >> 32n) & 0xffffffffn), true);
  }

  /** Payload = data, then zeros up to `size` bytes when size is given (fixed-size slots). */
  bytes(type: number, data: Uint8Array, size = data.length): void {
    const at = this.header(type, size);
    this.buf.set(data.subarray(0, size), at);
    this.buf.fill(0, at + Math.min(data.length, size), at + size);
  }
}
