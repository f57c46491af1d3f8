// The rule as stored and exchanged (JSON). schema/rule.v1.schema.json describes the same
// shape; rule-schema.test.ts fails when the two disagree.

import type { AppId, RequestFamily, RequestOperation, RequestProtocol } from "@sockgate/protocol";

export const RULE_SCHEMA_VERSION = 1;

export type RuleAction = "allow" | "deny" | "ask";

/** A user's rule applies to that user's processes only; a system rule to everyone's. */
export type RuleOwner = { kind: "system" } | { kind: "user"; uid: number };

export type RuleDuration =
  /** Settles the prompt it answered and nothing else; never a standing rule. */
  | { kind: "once" }
  /** Until process `pid` exits (RuleSet.processExited). */
  | { kind: "process"; pid: number }
  /** Until createdAt + minutes. */
  | { kind: "minutes"; minutes: number }
  /** Until the machine boots again: only active while the boot id is `bootId`. */
  | { kind: "reboot"; bootId: string }
  | { kind: "forever" };

/** One port, or an inclusive range. */
export type PortSpec = number | { from: number; to: number };

/**
 * Every present field must match (AND). remoteAddress, remoteHost and list together form
 * the destination: any one of their entries matching is enough (OR).
 */
export interface RuleMatch {
  /** Executable path, exact or glob ("*" within a directory, "**" across). */
  exe?: string;
  /** Lowercase hex sha256 of the executable. */
  sha256?: string;
  /** uid (number) or user name (string). */
  user?: number | string;
  appId?: AppId;
  /** Parent executable path, exact or glob. */
  parentExe?: string;
  // Glob over argv joined by spaces, "*" matching anything, e.g. "python3 *backup.py*".
  cmdline?: string;
  operation?: RequestOperation[];
  protocol?: RequestProtocol[];
  family?: RequestFamily;
  /** Addresses or CIDRs; IPv4 and its v4-mapped IPv6 spelling are the same address. */
  remoteAddress?: string[];
  /** Host names or domain wildcards ("*.example.org" includes example.org). */
  remoteHost?: string[];
  /** Names of loaded lists (hosts-file, domain or CIDR lists). */
  list?: string[];
  remotePort?: PortSpec[];
  /** Local port, for bind, listen and accept. */
  localPort?: PortSpec[];
}

export interface Rule {
  schemaVersion: typeof RULE_SCHEMA_VERSION;
  id: string;
  owner: RuleOwner;
  action: RuleAction;
  /** 0-1023, default 0; higher wins before specificity is considered. */
  priority?: number;
  duration: RuleDuration;
  /** Milliseconds since the epoch; required for "minutes" durations. */
  createdAt?: number;
  match: RuleMatch;
  note?: string;
}

export const MAX_PRIORITY = 1023;
