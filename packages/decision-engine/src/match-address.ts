// Addresses as four 32-bit words of their IPv6 form, IPv4 v4-mapped (::ffff:a.b.c.d), so
// 192.0.2.1 and ::ffff:192.0.2.1 are one address and 10.0.0.0/8 is ::ffff:10.0.0.0/104.
// This is the same equivalence the kernel verdict key uses.

import { parseAddress, SockgateError } from "@sockgate/protocol";

export type AddressWords = readonly [number, number, number, number];

export interface Cidr {
  /** Network address, already masked. */
  readonly words: AddressWords;
  /** Prefix length in the 128-bit (v4-mapped) space. */
  readonly prefix: number;
}

/**
 * Dotted-quad fast path for the hot decide() loop: one pass over the characters, no
 * allocation. Same rules as @sockgate/protocol's parser (no leading zeros, octets <= 255);
 * returns -1 for anything else, which then goes through the full parser.
 */
function fastIPv4(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let leadingZero = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (leadingZero) return -1;
      if (digits === 0 && c === 48) leadingZero = true;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      leadingZero = false;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** Text address to words; throws SG_ERR_BAD_ADDRESS (from @sockgate/protocol) when malformed. */
export function addressWords(text: string): AddressWords {
  const v4 = fastIPv4(text);
  if (v4 >= 0) return [0, 0, 0xffff, v4];
  const b = parseAddress(text);
  const w = (i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  return [w(0), w(4), w(8), w(12)];
}

/** Stable string key of an address: equal for every spelling of the same address. */
export function addressKey(words: AddressWords): string {
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return `${words[3]}`;
  return `${words[0]}:${words[1]}:${words[2]}:${words[3]}`;
}

export function isV4MappedWords(words: AddressWords): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/** Mask of the bits of word `i` (0..3) inside a prefix of `prefix` bits. */
function wordMask(prefix: number, i: number): number {
  const bits = Math.min(32, Math.max(0, prefix - 32 * i));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function maskWords(words: AddressWords, prefix: number): AddressWords {
  return [
    (words[0] & wordMask(prefix, 0)) >>> 0,
    (words[1] & wordMask(prefix, 1)) >>> 0,
    (words[2] & wordMask(prefix, 2)) >>> 0,
    (words[3] & wordMask(prefix, 3)) >>> 0,
  ];
}

/**
 * "a.b.c.d/n", "x::y/n" or a bare address (a /32 or /128) to a CIDR in v4-mapped space.
 * Host bits set below the prefix are refused: "10.0.0.1/8" is most likely a typo.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const words = addressWords(addrText);
  const v4Text = !addrText.includes(":");
  const max = v4Text ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > max) {
      throw new SockgateError(
        "SG_ERR_BAD_ADDRESS",
        `CIDR ${JSON.stringify(text)} has prefix ${JSON.stringify(p)}; expected an integer 0-${max}`,
      );
    }
    prefix = Number(p);
  }
  const prefix128 = v4Text ? 96 + prefix : prefix;
  const masked = maskWords(words, prefix128);
  if (masked.some((w, i) => w !== words[i])) {
    throw new SockgateError(
      "SG_ERR_BAD_ADDRESS",
      `CIDR ${JSON.stringify(text)} has bits set after its /${prefix} prefix; expected a network address such as ${JSON.stringify(`${addrText.includes(":") ? "2001:db8::" : "10.0.0.0"}/${prefix}`)}`,
    );
  }
  return { words: masked, prefix: prefix128 };
}

export function cidrContains(cidr: Cidr, addr: AddressWords): boolean {
  for (let i = 0; i < 4; i++) {
    const m = wordMask(cidr.prefix, i);
    if (m === 0) return true;
    if (((addr[i]! & m) >>> 0) !== cidr.words[i]) return false;
  }
  return true;
}

/** Prefix length as a person would write it: /24 for an IPv4 network, /48 for IPv6. */
export function displayPrefix(cidr: Cidr): number {
  return isV4MappedWords(cidr.words) && cidr.prefix >= 96 ? cidr.prefix - 96 : cidr.prefix;
}
