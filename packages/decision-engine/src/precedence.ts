// Precedence, in one place. Every compiled rule gets one integer rank; the matching rule
// with the highest rank decides. Ranks are unique, so two rules can never tie. Packed
// from the most significant end (see CONCEPTS.md for why in this order):
//
//   bit 52       system deny: 1 for a system-owned deny, so no user rule outranks it
//   bits 42..51  explicit priority (0..1023)
//   bits 26..41  specificity (0..65535, computed below)
//   bits 24..25  action: deny 2 > ask 1 > allow 0, so deny wins what is otherwise a tie
//   bits 0..23   tie-break: rules ordered by id, the earlier id ranking higher
//
// The total stays below 2^53, so it is an exact JavaScript number.

import { displayPrefix, isV4MappedWords, parseCidr } from "./match-address.js";
import { parseHostPattern } from "./match-domain.js";
import type { PortSpec, Rule, RuleAction } from "./rule-types.js";

const P_TIER = 2 ** 52;
const P_PRIORITY = 2 ** 42;
const P_SPECIFICITY = 2 ** 26;
const P_ACTION = 2 ** 24;
export const MAX_TIEBREAK = 2 ** 24 - 1;
const MAX_SPECIFICITY = 2 ** 16 - 1;

export const ACTION_RANK: Record<RuleAction, number> = { allow: 0, ask: 1, deny: 2 };

function portSpecificity(specs: PortSpec[] | undefined): number {
  if (specs === undefined) return 0;
  return specs.every((s) => typeof s === "number" || s.from === s.to) ? 16 : 8;
}

function addressSpecificity(text: string): number {
  const cidr = parseCidr(text);
  const full = isV4MappedWords(cidr.words) && cidr.prefix >= 96 ? 32 : 128;
  if (displayPrefix(cidr) === full) return 32;
  return 8 + Math.floor((displayPrefix(cidr) * 24) / full);
}

function hostSpecificity(text: string): number {
  const p = parseHostPattern(text);
  if (p === undefined) return 0;
  if (p.kind === "exact") return 32;
  return 8 + 2 * Math.min(8, p.domain.split(".").length);
}

/**
 * How narrowly a rule picks its requests. A rule listing several destinations counts as
 * its least specific one, so the rank does not depend on which entry matched.
 */
export function specificity(rule: Rule): number {
  const m = rule.match;
  let s = 0;
  if (m.sha256 !== undefined) s += 64;
  if (m.exeId !== undefined) s += m.exeId.generation === undefined ? 52 : 56;
  if (m.exe !== undefined) s += 48;
  if (m.exeGlob !== undefined) s += 24;
  if (m.noExe === true) s += 8;
  if (m.argv !== undefined) s += 28;
  if (m.appId !== undefined) s += 40;
  if (m.cmdline !== undefined) s += 20;
  if (m.parentExe !== undefined) s += 8;
  if (m.user !== undefined) s += 4;
  const dest = [
    ...(m.remoteAddress ?? []).map(addressSpecificity),
    ...(m.remoteHost ?? []).map(hostSpecificity),
    ...(m.list ?? []).map(() => 4),
  ];
  if (dest.length > 0) s += Math.min(...dest);
  s += portSpecificity(m.remotePort) + portSpecificity(m.localPort);
  if (m.operation !== undefined) s += 4;
  if (m.protocol !== undefined) s += 4;
  if (m.family !== undefined) s += 2;
  return Math.min(s, MAX_SPECIFICITY);
}

export function isSystemDeny(rule: Rule): boolean {
  return rule.owner.kind === "system" && rule.action === "deny";
}

/** The rank without its tie-break: depends on the rule alone, so it can be cached with it. */
export function rankBase(rule: Rule): number {
  return (isSystemDeny(rule) ? P_TIER : 0) + (rule.priority ?? 0) * P_PRIORITY + specificity(rule) * P_SPECIFICITY + ACTION_RANK[rule.action] * P_ACTION;
}

/** `order` is the rule's position when all rules are sorted by id (0 = first). */
export function withTiebreak(base: number, order: number): number {
  if (order < 0 || order > MAX_TIEBREAK) throw new RangeError(`rule order ${order} outside 0..${MAX_TIEBREAK}`);
  return base + (MAX_TIEBREAK - order);
}

export function packRank(rule: Rule, order: number): number {
  return withTiebreak(rankBase(rule), order);
}

/** The parts of a rank, for reasons shown to people and for tests. */
export function unpackRank(rank: number): { systemDeny: boolean; priority: number; specificity: number; action: RuleAction; order: number } {
  const systemDeny = rank >= P_TIER;
  let r = systemDeny ? rank - P_TIER : rank;
  const priority = Math.floor(r / P_PRIORITY);
  r -= priority * P_PRIORITY;
  const spec = Math.floor(r / P_SPECIFICITY);
  r -= spec * P_SPECIFICITY;
  const a = Math.floor(r / P_ACTION);
  r -= a * P_ACTION;
  const action = (["allow", "ask", "deny"] as const)[a]!;
  return { systemDeny, priority, specificity: spec, action, order: MAX_TIEBREAK - r };
}
