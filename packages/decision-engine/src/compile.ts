// Rules -> CompiledRules: each rule becomes a predicate over a Request plus its rank, and
// rules are bucketed by executable path and destination key so decide() looks at a few
// short lists instead of every rule. Buckets are sorted by rank, highest first.

import { SockgateError } from "@sockgate/protocol";
import type { Request } from "@sockgate/protocol";
import { addressKey } from "./match-address.js";
import { parseRule } from "./rule-parse.js";
import type { ListRegistry, NamedList } from "./lists.js";
import { MAX_TIEBREAK, rankBase, specificity, withTiebreak } from "./precedence.js";
import type { RequestFacts, RuleMatcher } from "./rule-matcher.js";
import { ruleMatcher } from "./rule-matcher.js";
import type { Rule } from "./rule-types.js";

export interface CompiledRule extends RuleMatcher {
  readonly rule: Rule;
  readonly rank: number;
  readonly specificity: number;
  /** Milliseconds since the epoch; Infinity when only an event (exit, reboot, edit) ends it. */
  readonly expiresAt: number;
}

export interface CompiledRules {
  /** Bumped by every change to the rule set; part of every verdict cache key. */
  readonly generation: number;
  /** Active rules, highest rank first. */
  readonly rules: readonly CompiledRule[];
  /** exe key (see exeKey) -> destination key -> rules, highest rank first. */
  readonly buckets: ReadonlyMap<string, ReadonlyMap<string, readonly CompiledRule[]>>;
  /** Rules left out: once-rules, and reboot- or process-rules of another boot. */
  readonly inactive: readonly { ruleId: string; why: string }[];
  /** True when some active rule is scoped to one process (its pid then matters to the cache). */
  readonly hasProcessRules: boolean;
}

export interface CompileOptions {
  generation?: number;
  /** Current boot id; reboot-duration rules of other boots are inactive. */
  bootId?: string;
  lists?: ListRegistry;
}

export const ANY = "*";

export function ruleExpiresAt(rule: Rule): number {
  return rule.duration.kind === "minutes" ? (rule.createdAt ?? 0) + rule.duration.minutes * 60_000 : Infinity;
}

type Prepared = Omit<CompiledRule, "rank"> & { rankBase: number };

// Parsed rules are deep-frozen, so what compiling one costs (regexes, CIDRs, specificity)
// is kept per rule object: after a one-rule change only the ordering work is redone. A
// rule object that did not come from parseRule is parsed (copied and frozen) first, so an
// edit of the caller's object can never leave a stale matcher next to the edited rule.
const preparedCache = new WeakMap<Rule, Prepared>();

function prepare(rule: Rule, lists: ListRegistry): Prepared {
  const cached = preparedCache.get(rule);
  if (cached !== undefined && (rule.match.list ?? []).every((name, i) => lists.get(name) === cached.lists[i])) return cached;
  const p: Prepared = { ...ruleMatcher(rule, lists), rule, rankBase: rankBase(rule), specificity: specificity(rule), expiresAt: ruleExpiresAt(rule) };
  preparedCache.set(rule, p);
  return p;
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
 * literal directory prefix), "#<dev>:<ino>" for a kernel identity, ANY for none. A request
 * looks in its own path's bucket and those of each directory above it (when its path can
 * be trusted at all), its identity's bucket, and ANY.
 */
export function exeKey(rule: Rule): string {
  const m = rule.match;
  if (m.exe !== undefined) return `=${m.exe}`;
  if (m.exeGlob !== undefined) {
    const literal = m.exeGlob.slice(0, m.exeGlob.search(/[*?]|$/));
    return `^${literal.slice(0, literal.lastIndexOf("/") + 1)}`;
  }
  if (m.exeId !== undefined) return `#${m.exeId.dev}:${m.exeId.ino}`;
  return ANY;
}

/** The exe keys a request looks in, most specific first. */
export function exeKeysOf(request: Request, facts: RequestFacts): string[] {
  const keys: string[] = [];
  const path = request.app.exePath;
  if (facts.pathTrusted) {
    keys.push(`=${path}`);
    for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) keys.push(`^${path.slice(0, i + 1)}`);
  }
  keys.push(`#${request.app.exeDev}:${request.app.exeIno}`, ANY);
  return keys;
}

export function compileRules(rules: readonly Rule[], options: CompileOptions = {}): CompiledRules {
  if (rules.length > MAX_TIEBREAK + 1) {
    throw new SockgateError("SG_ERR_BAD_VALUE", `a rule set holds at most ${MAX_TIEBREAK + 1} rules; received ${rules.length}`);
  }
  const lists = options.lists ?? new Map<string, NamedList>();
  const inactive: { ruleId: string; why: string }[] = [];
  const byId = rules.map(parseRule).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const compiled: CompiledRule[] = [];
  const seen = new Set<string>();
  let hasProcessRules = false;
  byId.forEach((rule, order) => {
    if (seen.has(rule.id)) {
      throw new SockgateError("SG_ERR_RULE_INVALID", `rule id ${JSON.stringify(rule.id)} appears twice in one rule set; expected unique ids`);
    }
    seen.add(rule.id);
    if (rule.duration.kind === "once") {
      inactive.push({ ruleId: rule.id, why: "a once-rule settles only the prompt it answered" });
      return;
    }
    if ((rule.duration.kind === "reboot" || rule.duration.kind === "process") && rule.duration.bootId !== options.bootId) {
      inactive.push({ ruleId: rule.id, why: `made during boot ${rule.duration.bootId}, now boot ${options.bootId ?? "(unknown)"}` });
      return;
    }
    if (rule.duration.kind === "process") hasProcessRules = true;
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
  return { generation: options.generation ?? 0, rules: compiled, buckets, inactive, hasProcessRules };
}

