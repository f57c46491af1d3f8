// The field codecs records are built from: how one attribute's value is checked, written and
// read (u32, enums, u64 in two halves, addresses, fixed and NUL-terminated strings, bytes).

import { COMM_LEN, PATH_MAX } from "./abi.js";
import { ADDRESS_BYTES, formatAddress, parseAddress } from "./address.js";
import { SockgateError } from "./errors.js";
import type { AttributeDecoder, AttributeEncoder } from "./nlattr.js";
import { NLA_HDRLEN } from "./nlattr.js";

export const AF_INET = 2;
export const AF_INET6 = 10;

export type Raw = number | bigint | Uint8Array;

/**
 * How one attribute's value maps between a decoded record and its payload. `field` is the
 * label messages name it by, e.g. "event field op".
 */
export interface FieldCodec {
  /** Validates a record's value and turns it into what the encoder writes. */
  prepare(value: unknown, field: string): Raw;
  payloadLength(raw: Raw): number;
  write(enc: AttributeEncoder, type: number, raw: Raw): void;
  /** Reads the current attribute; problems go to dec.fail(). */
  read(dec: AttributeDecoder, field: string): unknown;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: false });

export function badValue(
  field: string,
  expected: string,
  got: unknown,
  code: "SG_ERR_BAD_VALUE" | "SG_ERR_BAD_ENUM" = "SG_ERR_BAD_VALUE",
): SockgateError {
  const shown = typeof got === "bigint" ? `${got}n` : typeof got === "string" ? JSON.stringify(got) : String(got);
  return new SockgateError(code, `${field}: expected ${expected}, got ${shown}`);
}

export function u32Codec(max = 0xffffffff, check?: (n: number) => string | null): FieldCodec {
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
export function enumCodec(names: readonly string[], invalid: readonly number[] = []): FieldCodec {
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
          new SockgateError("SG_ERR_BAD_ENUM", `${field}: expected a value in ${codes.join(",")}, got ${n}`),
        );
      }
      return names[n];
    },
  };
}

export const u64Codec: FieldCodec = {
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

/**
 * u64 on the wire, a number in the record: for a 32-bit kernel value the ABI carries in a
 * u64 attribute (the kernel dev_t, exeDev), so it has the same type as in verdict keys.
 * A wire value above 2^32-1 is SG_ERR_BAD_VALUE.
 */
export const u64AsU32Codec: FieldCodec = {
  prepare(value, field) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw badValue(field, "an integer 0..4294967295", value);
    }
    return BigInt(value);
  },
  payloadLength: () => 8,
  write: (enc, type, raw) => enc.u64(type, raw as bigint),
  read(dec, field) {
    const n = dec.u64();
    if (dec.error) return 0;
    if (n > 0xffffffffn) dec.fail(badValue(field, "at most 4294967295 (a 32-bit kernel dev_t)", n));
    return Number(n & 0xffffffffn);
  },
};

export const addressCodec: FieldCodec = {
  prepare(value, field) {
    if (typeof value !== "string") throw badValue(field, "an address string", value);
    return parseAddress(value);
  },
  payloadLength: () => ADDRESS_BYTES,
  write: (enc, type, raw) => enc.bytes(type, raw as Uint8Array),
  read: (dec) => formatAddress(dec.fixedView(ADDRESS_BYTES, "address")),
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
        `${field} at offset ${dec.offset}: expected a NUL-terminated string, the ${payload.length} payload bytes hold no NUL`,
      ),
    );
    return "";
  }
  return fromUtf8.decode(payload.subarray(0, nul));
}

/** Fixed COMM_LEN bytes, NUL padded (the kernel's task comm). */
export const commCodec: FieldCodec = {
  prepare: (value, field) => stringBytes(value, field, COMM_LEN - 1),
  payloadLength: () => COMM_LEN,
  write: (enc, type, raw) => enc.bytes(type, raw as Uint8Array, COMM_LEN),
  read(dec, field) {
    const payload = dec.fixedView(COMM_LEN, "comm");
    return dec.error ? "" : readCString(dec, payload, field);
  },
};

/** NUL-terminated, variable length: nla_len = 4 + strlen + 1, at most PATH_MAX payload bytes. */
export const pathCodec: FieldCodec = {
  prepare: (value, field) => stringBytes(value, field, PATH_MAX - 1),
  payloadLength: (raw) => (raw as Uint8Array).length + 1,
  write: (enc, type, raw) => enc.bytes(type, raw as Uint8Array, (raw as Uint8Array).length + 1),
  read(dec, field) {
    const payload = dec.data();
    if (payload.length > PATH_MAX) {
      dec.fail(
        new SockgateError(
          "SG_ERR_BAD_ATTR_LEN",
          `${field} at offset ${dec.offset} has nla_len ${dec.length}: expected at most ${NLA_HDRLEN + PATH_MAX}`,
        ),
      );
      return "";
    }
    const text = readCString(dec, payload, field);
    if (!dec.error && payload.indexOf(0) !== payload.length - 1) {
      dec.fail(
        new SockgateError(
          "SG_ERR_BAD_STRING",
          `${field} at offset ${dec.offset}: expected the NUL as the last payload byte, found it at ${payload.indexOf(0)} of ${payload.length}`,
        ),
      );
    }
    return text;
  },
};

export const familyCodec = u32Codec(0xffffffff, (n) => (n === AF_INET || n === AF_INET6 ? null : "2 (AF_INET) or 10 (AF_INET6)"));
export const portCodec = u32Codec(0xffff);
export const u32 = u32Codec();


/** Raw bytes, at most `max` (cut at the source: the payload of a captured packet). */
export function bytesCodec(max: number): FieldCodec {
  return {
    prepare(value, field) {
      if (!(value instanceof Uint8Array)) throw badValue(field, "a Uint8Array", value);
      if (value.length > max) throw badValue(field, `at most ${max} bytes`, `${value.length} bytes`);
      return value;
    },
    payloadLength: (raw) => (raw as Uint8Array).length,
    write: (enc, type, raw) => enc.bytes(type, raw as Uint8Array),
    read(dec, field) {
      if (dec.payloadLength > max) {
        dec.fail(new SockgateError("SG_ERR_BAD_ATTR_LEN", `${field} at offset ${dec.offset} has nla_len ${dec.length}: expected at most ${NLA_HDRLEN + max}`));
        return new Uint8Array(0);
      }
      return dec.data().slice();
    },
  };
}

/** Exactly `size` raw bytes (a fixed array of the C struct, zero filled). */
export function fixedBytesCodec(size: number): FieldCodec {
  return {
    prepare(value, field) {
      if (!(value instanceof Uint8Array)) throw badValue(field, "a Uint8Array", value);
      if (value.length !== size) throw badValue(field, `exactly ${size} bytes`, `${value.length} bytes`);
      return value;
    },
    payloadLength: () => size,
    write: (enc, type, raw) => enc.bytes(type, raw as Uint8Array, size),
    // a view into the record: its users (argv) turn it into strings before decode returns
    read: (dec) => dec.fixedView(size, "bytes"),
  };
}
