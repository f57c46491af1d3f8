// Rules as they cross the API. A rule's contents follow @sockgate/decision-engine's rule
// schema (schema/rule.v1.schema.json); the API checks only what it needs to route and
// authorise a rule (its id and owner) and the daemon validates the rest with the engine's
// parser, so this package never depends on the engine.

import type { Owner } from "./types-common.js";

export interface ApiRule {
  schemaVersion: number;
  id: string;
  owner: Owner;
  /** "allow" | "deny" | "ask" in rule schema v1. */
  action: string;
  duration: { kind: string };
  /** What the rule matches (RuleMatch of the rule schema). */
  match: object;
  priority?: number;
  createdAt?: number;
  note?: string;
}

/** What AddRule and UpdateRule take: a rule of the rule schema; AddRule fills in a missing id and owner (the caller). */
export interface RuleInput {
  id?: string;
  owner?: Owner;
  [field: string]: unknown;
}

/** A rule with what the daemon knows about it beyond the rule itself. */
export interface RuleEntry {
  rule: ApiRule;
  /** A disabled rule is kept but decides nothing. */
  enabled: boolean;
  /** Sentences such as "host names cannot be enforced on ungoverned processes". */
  notes?: string[];
}

/** A rules export, as @sockgate/store writes it (format "sockgate-rules", version 1). */
export interface ExportDocument {
  format: "sockgate-rules";
  version: number;
  exportedAt: string;
  rules: ApiRule[];
}

export interface ImportResult {
  imported: number;
  removed: number;
}
