// The rules list: search and owner filter, the user's own rules first, then the system's.

import type { RuleEntry } from "@sockgate/protocol/client";
import { ruleSummary } from "../format/rule-summary.js";
import type { OwnerFilter, RulesState } from "./types.js";

function ownerMatches(filter: OwnerFilter, e: RuleEntry, uid: number): boolean {
  if (filter === "all") return true;
  if (filter === "system") return e.rule.owner.kind === "system";
  return e.rule.owner.kind === "user" && e.rule.owner.uid === uid;
}

export function filteredRules(r: Pick<RulesState, "entries" | "search" | "owner">, uid: number): RuleEntry[] {
  const needle = r.search.toLowerCase();
  const out = r.entries.filter((e) => ownerMatches(r.owner, e, uid) && (needle === "" || `${e.rule.id} ${ruleSummary(e.rule)} ${e.rule.note ?? ""}`.toLowerCase().includes(needle)));
  // Own rules, then other users' (admins see them), then system rules; newest first within each.
  const rank = (e: RuleEntry): number => (e.rule.owner.kind === "system" ? 2 : e.rule.owner.uid === uid ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || (b.rule.createdAt ?? 0) - (a.rule.createdAt ?? 0) || a.rule.id.localeCompare(b.rule.id));
}

export function selectedRule(r: RulesState, uid: number): RuleEntry | undefined {
  const list = filteredRules(r, uid);
  return list[Math.min(r.selected, list.length - 1)];
}

export function clampSelection(r: RulesState, uid: number): RulesState {
  const n = filteredRules(r, uid).length;
  return { ...r, selected: Math.max(0, Math.min(r.selected, n - 1)) };
}

export function upsertRule(entries: readonly RuleEntry[], entry: RuleEntry): RuleEntry[] {
  const i = entries.findIndex((e) => e.rule.id === entry.rule.id);
  return i < 0 ? [...entries, entry] : entries.map((e, j) => (j === i ? entry : e));
}
