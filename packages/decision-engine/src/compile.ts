// Rules -> CompiledRules: each rule becomes a predicate over a Request plus its rank, and
// rules are bucketed by executable path and destination key so decide() looks at a few
// short lists instead of every rule. Buckets are sorted by rank, highest first.

import { SockgateError } from "@sockgate/protocol";
import type { Request } from "@sockgate/protocol";
import type { AddressWords, Cidr } from "./match-address.js";
import { addressKey, addressWords, cidrContains, parseCidr } from "./match-address.js";
import type { HostPattern } from "./match-domain.js";
import { inDomain, normalizeHostName, parseHostPattern } from "./match-domain.js";
import { globToRegExp, hasGlobChars } from "./match-glob.js";
import type { ListRegistry, NamedList } from "./lists.js";
import { MAX_TIEBREAK, rankBase, specificity, withTiebreak } from "./precedence.js";
import type { PortSpec, Rule } from "./rule-types.js";

/** What decide() knows about a request beyond the Request itself, computed once. */
export interface RequestFacts {
  remote?: AddressWords;
  /** Normalized host names. */
  names: string[];
}

export interface CompiledRule {
  readonly rule: Rule;
  readonly rank: number;
  readonly specificity: number;
  /** Milliseconds since the epoch; Infinity when only an event (exit, reboot, edit) ends it. */
  readonly expiresAt: number;
  readonly matches: (request: Request, facts: RequestFacts) => boolean;
  /** Parsed destination, for kernel-verdicts.ts. */
  readonly cidrs: readonly Cidr[];
  readonly hosts: readonly HostPattern[];
  readonly lists: readonly NamedList[];
}

export interface CompiledRules {
  /** Bumped by every change to the rule set; part of every verdict cache key. */
  readonly generation: number;
  /** Active rules, highest rank first. */
  readonly rules: readonly CompiledRule[];
  /** exe key (see exeKey) -> destination key -> rules, highest rank first. */
  readonly buckets: ReadonlyMap<string, ReadonlyMap<string, readonly CompiledRule[]>>;
  /** Rules left out: once-rules and reboot-rules of another boot. */
  readonly inactive: readonly { ruleId: string; why: string }[];
}

export interface CompileOptions {
  generation?: number;
  /** Current boot id; reboot-duration rules of other boots are inactive. */
  bootId?: string;
  lists?: ListRegistry;
}

export const ANY = "*";

export function portMatches(specs: readonly PortSpec[], port: number | undefined): boolean {
  if (port === undefined) return false;
  for (const s of specs) {
    if (typeof s === "number" ? s === port : s.from <= port && port <= s.to) return true;
  }
  return false;
}

export function ruleExpiresAt(rule: Rule): number {
  return rule.duration.kind === "minutes" ? (rule.createdAt ?? 0) + rule.duration.minutes * 60_000 : Infinity;
}

function hostMatches(patterns: readonly HostPattern[], names: readonly string[]): boolean {
  for (const n of names) {
    for (const p of patterns) if (p.kind === "exact" ? p.name === n : inDomain(n, p.domain)) return true;
  }
  return false;
}

type Prepared = Omit<CompiledRule, "rank"> & { rankBase: number };

// Rules are immutable once parsed, so what compiling one costs (regexes, CIDRs, specificity)
// is kept per rule object: after a one-rule change only the ordering work is redone.
const preparedCache = new WeakMap<Rule, Prepared>();

function prepare(rule: Rule, lists: ListRegistry): Prepared {
  const cached = preparedCache.get(rule);
  if (cached !== undefined && (rule.match.list ?? []).every((name, i) => lists.get(name) === cached.lists[i])) return cached;
  const p = prepareUncached(rule, lists);
  preparedCache.set(rule, p);
  return p;
}

function prepareUncached(rule: Rule, lists: ListRegistry): Prepared {
  const m = rule.match;
  const tests: Array<(r: Request, f: RequestFacts) => boolean> = [];
  if (rule.owner.kind === "user") {
    const uid = rule.owner.uid;
    tests.push((r) => r.app.uid === uid);
  }
  if (m.exe !== undefined) {
    const exe = m.exe;
    if (hasGlobChars(exe)) {
      const re = globToRegExp(exe, "path");
      tests.push((r) => re.test(r.app.exePath));
    } else {
      tests.push((r) => r.app.exePath === exe);
    }
  }
  if (m.sha256 !== undefined) {
    const h = m.sha256;
    tests.push((r) => r.app.sha256 === h);
  }
  if (typeof m.user === "number") {
    const uid = m.user;
    tests.push((r) => r.app.uid === uid);
  } else if (typeof m.user === "string") {
    const name = m.user;
    tests.push((r) => r.app.userName === name);
  }
  if (m.appId !== undefined) {
    const { kind, id } = m.appId;
    tests.push((r) => r.app.appId?.kind === kind && r.app.appId.id === id);
  }
  if (m.parentExe !== undefined) {
    const re = globToRegExp(m.parentExe, "path");
    tests.push((r) => r.app.parentExe !== undefined && re.test(r.app.parentExe));
  }
  if (m.cmdline !== undefined) {
    const re = globToRegExp(m.cmdline, "text");
    tests.push((r) => r.app.cmdline !== undefined && re.test(r.app.cmdline.join(" ")));
  }
  if (m.operation !== undefined) {
    const ops = new Set<string>(m.operation);
    tests.push((r) => ops.has(r.operation));
  }
  if (m.protocol !== undefined) {
    const protos = new Set<string>(m.protocol);
    tests.push((r) => protos.has(r.protocol));
  }
  if (m.family !== undefined) {
    const fam = m.family;
    tests.push((r) => r.family === fam);
  }
  const cidrs = (m.remoteAddress ?? []).map(parseCidr);
  const hosts = (m.remoteHost ?? []).map((h) => parseHostPattern(h)!);
  const ruleLists = (m.list ?? []).map((name) => {
    const l = lists.get(name);
    // A rule whose list is missing must not silently match nothing: a deny would fail open.
    if (l === undefined) {
      throw new SockgateError(
        "SG_ERR_LIST_UNKNOWN",
        `rule ${JSON.stringify(rule.id)} names list ${JSON.stringify(name)}, which is not loaded; loaded lists: ${[...lists.keys()].join(", ") || "(none)"}`,
      );
    }
    return l;
  });
  if (cidrs.length + hosts.length + ruleLists.length > 0) {
    tests.push((_r, f) => {
      if (f.remote === undefined) return false;
      for (const c of cidrs) if (cidrContains(c, f.remote)) return true;
      if (hosts.length > 0 && hostMatches(hosts, f.names)) return true;
      for (const l of ruleLists) {
        if (l.hasAddress(f.remote)) return true;
        for (const n of f.names) if (l.hasName(n)) return true;
      }
      return false;
    });
  }
  if (m.remotePort !== undefined) {
    const specs = m.remotePort;
    tests.push((r) => portMatches(specs, r.remote?.port));
  }
  if (m.localPort !== undefined) {
    const specs = m.localPort;
    tests.push((r) => portMatches(specs, r.local?.port));
  }
  const matches = (r: Request, f: RequestFacts): boolean => {
    for (const t of tests) if (!t(r, f)) return false;
    return true;
  };
  return {
    rule,
    rankBase: rankBase(rule),
    specificity: specificity(rule),
    expiresAt: ruleExpiresAt(rule),
    matches,
    cidrs,
    hosts,
    lists: ruleLists,
  };
}

/** Destination bucket keys of a rule: exact addresses and names are indexed, the rest is ANY. */
function destKeys(c: CompiledRule): string[] {
  if (c.lists.length > 0 || c.cidrs.length + c.hosts.length === 0) return [ANY];
  const keys: string[] = [];
  for (const cidr of c.cidrs) {
    if (cidr.prefix !== 128) return [ANY];
    keys.push(`a:${addressKey(cidr.words)}`);
  }
  for (const h of c.hosts) keys.push(h.kind === "exact" ? `h:${h.name}` : `d:${h.domain}`);
  return keys;
}

/**
 * Bucket of a rule by executable: "=<path>" for an exact path, "^<dir>/" for a glob (its
 * literal directory prefix), ANY for none. A request looks in its own path's bucket, the
 * buckets of each directory above it, and ANY.
 */
export function exeKey(rule: Rule): string {
  const exe = rule.match.exe;
  if (exe === undefined) return ANY;
  if (!hasGlobChars(exe)) return `=${exe}`;
  const literal = exe.slice(0, exe.search(/[*?]/));
  return `^${literal.slice(0, literal.lastIndexOf("/") + 1)}`;
}

/** The exe keys a request with executable `path` looks in, most specific first. */
export function exeKeysOf(path: string): string[] {
  const keys = [`=${path}`];
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) keys.push(`^${path.slice(0, i + 1)}`);
  keys.push(ANY);
  return keys;
}

export function compileRules(rules: readonly Rule[], options: CompileOptions = {}): CompiledRules {
  if (rules.length > MAX_TIEBREAK + 1) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `a rule set holds at most ${MAX_TIEBREAK + 1} rules; received ${rules.length}`);
  }
  const lists = options.lists ?? new Map<string, NamedList>();
  const inactive: { ruleId: string; why: string }[] = [];
  const byId = [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const compiled: CompiledRule[] = [];
  const seen = new Set<string>();
  byId.forEach((rule, order) => {
    if (seen.has(rule.id)) {
      throw new SockgateError("SG_ERR_RULE_INVALID", `rule id ${JSON.stringify(rule.id)} appears twice in one rule set; expected unique ids`);
    }
    seen.add(rule.id);
    if (rule.duration.kind === "once") {
      inactive.push({ ruleId: rule.id, why: "a once-rule settles only the prompt it answered" });
      return;
    }
    if (rule.duration.kind === "reboot" && rule.duration.bootId !== options.bootId) {
      inactive.push({ ruleId: rule.id, why: `made during boot ${rule.duration.bootId}, now boot ${options.bootId ?? "(unknown)"}` });
      return;
    }
    const p = prepare(rule, lists);
    compiled.push({
      rule,
      rank: withTiebreak(p.rankBase, order),
      specificity: p.specificity,
      expiresAt: p.expiresAt,
      matches: p.matches,
      cidrs: p.cidrs,
      hosts: p.hosts,
      lists: p.lists,
    });
  });
  compiled.sort((a, b) => b.rank - a.rank);
  const buckets = new Map<string, Map<string, CompiledRule[]>>();
  for (const c of compiled) {
    const exe = exeKey(c.rule);
    let byDest = buckets.get(exe);
    if (byDest === undefined) buckets.set(exe, (byDest = new Map()));
    for (const d of new Set(destKeys(c))) {
      let list = byDest.get(d);
      if (list === undefined) byDest.set(d, (list = []));
      list.push(c);
    }
  }
  return { generation: options.generation ?? 0, rules: compiled, buckets, inactive };
}

/** Parse what decide() needs from a request once. */
export function requestFacts(request: Request): RequestFacts {
  let remote: AddressWords | undefined;
  const text = request.remote?.address;
  if (text !== undefined) remote = addressWords(text);
  const names: string[] = [];
  for (const n of request.remoteHostNames ?? []) {
    const h = normalizeHostName(n);
    if (h !== undefined) names.push(h);
  }
  return remote === undefined ? { names } : { remote, names };
}
