// Addresses cross the kernel boundary as 16 bytes in network order: IPv6, with IPv4
// stored v4-mapped (::ffff:a.b.c.d) so one verdict entry covers both socket families.
// Text is RFC 5952 canonical, so equal addresses always compare equal as strings.

import { SockgateError } from "./errors.js";

export const ADDRESS_BYTES = 16;

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const DEC_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

function badAddress(text: string, why: string): SockgateError {
  return new SockgateError(
    "SG_ERR_BAD_ADDRESS",
    `address ${JSON.stringify(text)} is not valid: ${why}; expected IPv4 (192.0.2.1), IPv6 (2001:db8::1) or v4-mapped (::ffff:192.0.2.1)`,
  );
}

/** Dotted quad to 4 bytes, or null. Leading zeros are refused: some tools read them as octal. */
function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!DEC_OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Colon-separated groups (the last may be a dotted quad) to 16-bit values. */
function parseGroups(text: string, full: string, allowV4Tail: boolean): number[] {
  if (text === "") return [];
  const parts = text.split(":");
  const out: number[] = [];
  parts.forEach((p, i) => {
    if (allowV4Tail && i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIPv4(p);
      if (v4 === null) throw badAddress(full, `${JSON.stringify(p)} is not a dotted IPv4 quad`);
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      return;
    }
    if (!HEX_GROUP.test(p)) throw badAddress(full, `group ${JSON.stringify(p)} is not 1 to 4 hex digits`);
    out.push(parseInt(p, 16));
  });
  return out;
}

function parseIPv6(text: string): number[] {
  const halves = text.split("::");
  if (halves.length > 2) throw badAddress(text, `"::" appears more than once`);
  if (halves.length === 1) {
    const groups = parseGroups(text, text, true);
    if (groups.length !== 8) throw badAddress(text, `${groups.length} groups of 16 bits, expected 8`);
    return groups;
  }
  const head = parseGroups(halves[0]!, text, false);
  const tail = parseGroups(halves[1]!, text, true);
  const missing = 8 - head.length - tail.length;
  if (missing < 1) throw badAddress(text, `"::" must stand for at least one zero group`);
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** IPv4, IPv6 or v4-mapped text to 16 bytes in network order (IPv4 becomes v4-mapped). */
export function parseAddress(text: string): Uint8Array {
  if (typeof text !== "string") throw badAddress(String(text), "not a string");
  const out = new Uint8Array(ADDRESS_BYTES);
  if (!text.includes(":")) {
    const v4 = parseIPv4(text);
    if (v4 === null) throw badAddress(text, "neither an IPv4 dotted quad nor IPv6");
    out.set(V4_MAPPED_PREFIX);
    out.set(v4, 12);
    return out;
  }
  parseIPv6(text).forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function isV4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === ADDRESS_BYTES && V4_MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

/** 16 bytes to RFC 5952 text: lowercase, longest zero run (2+ groups, first on a tie) as "::". */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length !== ADDRESS_BYTES) {
    throw new SockgateError(
      "SG_ERR_BAD_ADDRESS",
      `address must be ${ADDRESS_BYTES} bytes (IPv6 or v4-mapped), got ${bytes.length}`,
    );
  }
  if (isV4Mapped(bytes)) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1; // a single zero group is written as "0", not "::"
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
