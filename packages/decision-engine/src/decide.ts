// decide(): the highest-ranked active rule that matches the request decides. Pure: the
// same request, rule set and time always give the same decision.

import type { Request } from "@sockgate/protocol";
import type { CompiledRule, CompiledRules } from "./compile.js";
import { ANY, exeKeysOf } from "./compile.js";
import type { RequestFacts } from "./rule-matcher.js";
import { requestFacts } from "./rule-matcher.js";
import { domainSuffixes } from "./match-domain.js";
import { addressKey } from "./match-address.js";
import { unpackRank } from "./precedence.js";
import type { RuleAction } from "./rule-types.js";

export interface Decision {
  /** "ask" when a rule says so or no rule matched (then ruleId is null). */
  action: RuleAction;
  ruleId: string | null;
  /** One sentence for logs and the UI. */
  reason: string;
  /** Milliseconds since the epoch at which this decision may change by itself (rule expiry); null for never. */
  validUntil: number | null;
}

function destinationKeys(facts: RequestFacts): string[] {
  const dests = [ANY];
  if (facts.remote !== undefined) dests.push(`a:${addressKey(facts.remote)}`);
  for (const n of facts.names) {
    dests.push(`h:${n}`);
    for (const s of domainSuffixes(n)) dests.push(`d:${s}`);
  }
  return dests;
}

/** The winning rule, or undefined. Buckets are rank-sorted, so each scan stops early. */
export function winningRule(request: Request, compiled: CompiledRules, now: number, facts = requestFacts(request)): CompiledRule | undefined {
  let best: CompiledRule | undefined;
  let dests: string[] | undefined;
  for (const exe of exeKeysOf(request, facts)) {
    const byDest = compiled.buckets.get(exe);
    if (byDest === undefined) continue;
    dests ??= destinationKeys(facts);
    for (const d of dests) {
      const bucket = byDest.get(d);
      if (bucket === undefined) continue;
      for (const c of bucket) {
        if (best !== undefined && c.rank <= best.rank) break;
        if (c.expiresAt > now && c.matches(request, facts)) {
          best = c;
          break;
        }
      }
    }
  }
  return best;
}

function describeRule(c: CompiledRule): string {
  const r = unpackRank(c.rank);
  const owner = c.rule.owner.kind === "system" ? "system" : `uid ${c.rule.owner.uid}`;
  const why = r.systemDeny ? "system deny, which no user rule can override" : `priority ${r.priority}, specificity ${r.specificity}`;
  return `${c.rule.action} by ${owner} rule ${JSON.stringify(c.rule.id)} (${why})`;
}

const NO_RULE: Decision = Object.freeze({ action: "ask", ruleId: null, reason: "no rule matches: ask the user", validUntil: null });
/** One frozen decision per compiled rule: the flows a rule decides share it (and its reason text) in caches. */
const decisionOf = new WeakMap<CompiledRule, Decision>();

export function decide(request: Request, compiled: CompiledRules, now: number): Decision {
  const c = winningRule(request, compiled, now);
  if (c === undefined) return NO_RULE;
  let d = decisionOf.get(c);
  if (d === undefined) {
    d = Object.freeze({ action: c.rule.action, ruleId: c.rule.id, reason: describeRule(c), validUntil: Number.isFinite(c.expiresAt) ? c.expiresAt : null });
    decisionOf.set(c, d);
  }
  return d;
}
