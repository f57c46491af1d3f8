// Named lists a rule can refer to ("list": ["ads"]). Three text formats:
//   hosts    hosts-file lines "0.0.0.0 ads.example.com tracker.example.net": exact names
//   domains  one domain per line, "example.org" or "*.example.org": the domain and below it
//   cidr     one address or CIDR per line
// "#" starts a comment in all three. Names are found by hashing each suffix of the name
// (a.b.c, b.c, c) and addresses by binary search, so lookups cost the same at 100 or
// 100,000 entries.

import { isSockgateError, SockgateError } from "@sockgate/protocol";
import { AddressRanges } from "./address-ranges.js";
import type { AddressWords, Cidr } from "./match-address.js";
import { addressWords, parseCidr } from "./match-address.js";
import { normalizeHostName } from "./match-domain.js";

export const LIST_FORMATS = ["hosts", "domains", "cidr"] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

export interface ListOptions {
  /** false: skip lines that are not entries (counted in `skipped`) instead of throwing. Default true. */
  strict?: boolean;
}

// Names every stock hosts file maps to loopback; they are not list entries.
const HOSTS_BOILERPLATE = new Set([
  "localhost",
  "localhost.localdomain",
  "local",
  "broadcasthost",
  "ip6-localhost",
  "ip6-loopback",
  "ip6-localnet",
  "ip6-mcastprefix",
  "ip6-allnodes",
  "ip6-allrouters",
  "ip6-allhosts",
  "0.0.0.0",
]);

export class NamedList {
  readonly name: string;
  readonly format: ListFormat;
  /** Entries loaded (names plus networks). */
  readonly size: number;
  /** Lines that were not entries, in non-strict mode. */
  readonly skipped: number;
  private readonly exact: Set<string>;
  private readonly domains: Set<string>;
  private readonly ranges: AddressRanges;
  // Label counts of the shortest and longest domain entry: suffixes outside that span
  // cannot be in the set, so they are not hashed and looked up at all.
  private readonly minLabels: number;
  private readonly maxLabels: number;

  constructor(name: string, format: ListFormat, parts: { exact: Set<string>; domains: Set<string>; cidrs: Cidr[]; skipped: number }) {
    this.name = name;
    this.format = format;
    this.exact = parts.exact;
    this.domains = parts.domains;
    this.ranges = new AddressRanges(parts.cidrs);
    this.size = parts.exact.size + parts.domains.size + parts.cidrs.length;
    let min = Infinity;
    let max = 0;
    for (const d of parts.domains) {
      let labels = 1;
      for (let i = d.indexOf("."); i >= 0; i = d.indexOf(".", i + 1)) labels++;
      min = Math.min(min, labels);
      max = Math.max(max, labels);
    }
    this.minLabels = min;
    this.maxLabels = max;
    this.skipped = parts.skipped;
  }

  /** True when the list holds names (a name may resolve to any address). */
  get hasNames(): boolean {
    return this.exact.size > 0 || this.domains.size > 0;
  }

  /** `name` must be normalized (lowercase, no trailing dot). */
  hasName(name: string): boolean {
    if (this.exact.size > 0 && this.exact.has(name)) return true;
    if (this.domains.size === 0) return false;
    let labels = 1;
    for (let i = name.indexOf("."); i >= 0; i = name.indexOf(".", i + 1)) labels++;
    // Walk suffixes from the full name down, looking up only those with a possible length.
    let start = 0;
    for (let n = labels; n >= this.minLabels; n--) {
      if (n <= this.maxLabels && this.domains.has(start === 0 ? name : name.slice(start))) return true;
      const dot = name.indexOf(".", start);
      if (dot < 0) break;
      start = dot + 1;
    }
    return false;
  }

  hasAddress(addr: AddressWords): boolean {
    return this.ranges.count > 0 && this.ranges.has(addr);
  }

  hasAddressText(text: string): boolean {
    return this.hasAddress(addressWords(text));
  }
}

function lineError(name: string, lineNo: number, expected: string, line: string): SockgateError {
  return new SockgateError(
    "SG_ERR_LIST_INVALID",
    `list ${JSON.stringify(name)} line ${lineNo}: expected ${expected}; received ${JSON.stringify(line.length > 80 ? `${line.slice(0, 77)}...` : line)}`,
  );
}

export function parseList(name: string, text: string, format: ListFormat, options: ListOptions = {}): NamedList {
  if (!(LIST_FORMATS as readonly string[]).includes(format)) {
    throw new SockgateError("SG_ERR_LIST_INVALID", `list ${JSON.stringify(name)}: format must be one of ${LIST_FORMATS.join(", ")}; received ${JSON.stringify(format)}`);
  }
  const strict = options.strict ?? true;
  const exact = new Set<string>();
  const domains = new Set<string>();
  const cidrs: Cidr[] = [];
  let skipped = 0;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const hash = raw.indexOf("#");
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line === "") continue;
    const bad = (expected: string): void => {
      if (strict) throw lineError(name, n + 1, expected, raw.trim());
      skipped++;
    };
    if (format === "cidr") {
      try {
        cidrs.push(parseCidr(line));
      } catch (err) {
        if (!isSockgateError(err)) throw err;
        bad("an IPv4/IPv6 address or CIDR such as 192.0.2.0/24");
      }
    } else if (format === "domains") {
      const wildcard = line.startsWith("*.");
      const d = normalizeHostName(wildcard ? line.slice(2) : line);
      if (d === undefined) bad('a domain such as "example.org" or "*.example.org"');
      else domains.add(d);
    } else {
      const tokens = line.split(/\s+/);
      let ok = tokens.length >= 2;
      if (ok) {
        try {
          addressWords(tokens[0]!);
        } catch (err) {
          if (!isSockgateError(err)) throw err;
          ok = false;
        }
      }
      const names: string[] = [];
      for (const t of tokens.slice(1)) {
        if (HOSTS_BOILERPLATE.has(t.toLowerCase())) continue;
        const h = normalizeHostName(t);
        if (h === undefined) ok = false;
        else names.push(h);
      }
      if (!ok) bad('a hosts-file line "<address> <name> [name...]"');
      else for (const h of names) exact.add(h);
    }
  }
  return new NamedList(name, format, { exact, domains, cidrs, skipped });
}

export type ListRegistry = ReadonlyMap<string, NamedList>;
