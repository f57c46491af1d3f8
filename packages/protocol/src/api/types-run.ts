// `sockgate run`: a supervisor holds every socket call of a command at the syscall
// (seccomp) and asks the daemon about each one, as the caller's uid. Supervise is the
// session (it streams "the rules changed: forget cached verdicts"); DecideCall asks about
// one call. The daemon reads the process and its socket itself (identity, socket cookie,
// type, local address): from the client it takes only what it cannot read, the address a
// call names in the caller's memory.

import type { RequestOperation } from "../request.js";
import type { RuleInput } from "./types-rules.js";

/** Rules of a named profile: they decide this session's calls before any stored rule. */
export interface RunProfile {
  name: string;
  rules: RuleInput[];
  /** What a call no rule decides gets: a prompt (default), or a deny without asking. */
  unmatched?: "ask" | "deny";
}

export interface SuperviseParameters {
  /** The command's process, the caller's child, started but not yet executed. */
  pid: number;
  profile?: RunProfile;
}

export type SupervisionEvent =
  /** First reply. `governedBy`: the kernel also decides the command's calls because its uid is governed, or because the daemon moved it into `cgroup`. */
  | { type: "started"; session: string; governedBy: "uid" | "cgroup"; cgroup?: string; profileRules?: number }
  /** The rules changed: verdicts kept by the supervisor must be asked again. */
  | { type: "rules-changed"; generation: number }
  | { type: "ended"; reason: "cancelled" | "shutdown" };

export interface RunEndpoint {
  address: string;
  port: number;
}

export interface RunCall {
  session: string;
  /** The calling thread, as the seccomp notification names it. */
  tid: number;
  operation: RequestOperation;
  /** socket(): its arguments (family, type without flags, protocol). */
  socket?: { domain: number; type: number; protocol: number };
  /** Every other call: the socket's descriptor in the calling thread. */
  fd?: number;
  /** The socket's cookie (decimal) as the supervisor's own copy of it says; bind() and
   *  listen() need it. The daemon refuses a call whose descriptor names another socket by
   *  the time it looks. */
  cookie?: string;
  /** bind: the address asked for (read from the caller's memory). */
  local?: RunEndpoint;
  /** connect and send: the peer (read from the caller's memory). */
  remote?: RunEndpoint;
}

export interface RunVerdict {
  action: "allow" | "deny";
  /** One sentence: the rule, the prompt's answer, or why nothing was asked. */
  reason: string;
  /** "rules": the same call of the same process may be answered alike until the rules change (or `until`, ms since the epoch); "call": this call only. */
  cache: { scope: "call" } | { scope: "rules"; until?: number };
  ruleId?: string;
  promptId?: string;
  /** An allowed bind() or listen(): the supervisor does it itself on its own copy of the
   *  checked socket, a bind with the sockaddr it checked (the kernel counts the call as the
   *  caller's), rather than letting the call go on with a descriptor or memory another thread
   *  may have changed meanwhile. */
  onCheckedSocket?: boolean;
}
