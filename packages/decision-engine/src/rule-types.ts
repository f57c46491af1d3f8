// The rule as stored and exchanged (JSON). schema/rule.v1.schema.json describes the same
// shape; rule-schema.test.ts fails when the two disagree.

import type { RequestFamily, RequestOperation, RequestProtocol } from "@sockgate/protocol";

export const RULE_SCHEMA_VERSION = 1;

export type RuleAction = "allow" | "deny" | "ask";

/** A user's rule applies to that user's processes only; a system rule to everyone's. */
export type RuleOwner = { kind: "system" } | { kind: "user"; uid: number };

export type RuleDuration =
  /** Settles the prompt it answered and nothing else; never a standing rule. */
  | { kind: "once" }
  /**
   * Until the process exits: pid + start time (clock ticks since boot, /proc/PID/stat
   * field 22) + boot id name exactly one process, so a reused pid or a reboot never
   * inherits the rule. Matches that process only; engine.processExited removes it.
   */
  | { kind: "process"; pid: number; startTime: number; bootId: string }
  /** Until createdAt + minutes. */
  | { kind: "minutes"; minutes: number }
  /** Until the machine boots again: only active while the boot id is `bootId`. */
  | { kind: "reboot"; bootId: string }
  | { kind: "forever" };

/**
 * An app id a rule can name. Flatpak and Snap ids match only requests whose id the daemon
 * verified against the installed deployment; systemd ids are system units, user-unit ids a
 * unit of that user's own manager.
 */
export type RuleAppId =
  | { kind: "systemd"; id: string }
  | { kind: "user-unit"; uid: number; id: string }
  | { kind: "flatpak"; id: string }
  | { kind: "snap"; id: string };

/** The kernel's identity of an executable file: device, inode and (when known) inode generation. */
export interface ExeId {
  dev: number;
  ino: number;
  generation?: number;
}

/** One port, or an inclusive range. */
export type PortSpec = number | { from: number; to: number };

/**
 * Every present field must match (AND). remoteAddress, remoteHost and list together form
 * the destination: any one of their entries matching is enough (OR).
 */
export interface RuleMatch {
  /**
   * Executable path, matched literally (a file named "**" is that file). Only requests whose
   * path the daemon verified (same inode on the host) and that are not flagged
   * path_truncated, no_exe, deleted, foreign_mount_ns or memfd can match it.
   */
  exe?: string;
  /** Executable path glob ("*" within a directory, "**" across); same conditions as exe. */
  exeGlob?: string;
  /** The executable by kernel identity: for programs whose path cannot be trusted (containers, deleted files). */
  exeId?: ExeId;
  /** Matches processes that have no executable file (flag no_exe) only. */
  noExe?: true;
  /** Lowercase hex sha256 of the executable. */
  sha256?: string;
  /** uid (number) or user name (string). */
  user?: number | string;
  appId?: RuleAppId;
  /** Parent executable path, exact or glob. */
  parentExe?: string;
  /** The exact exec-time argv (cmdlineSource "exec"), element by element. */
  argv?: string[];
  // Glob over the exec-time argv joined by spaces, "*" matching anything, e.g. "python3 *backup.py*".
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
