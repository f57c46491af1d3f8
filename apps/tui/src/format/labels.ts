// The words the UI and the CLI use for the API's enums, in one place so both say the same.

import type { AnswerDuration, AnswerScope } from "@sockgate/protocol/client";
import type { AppFlag, RequestOperation } from "@sockgate/protocol";

export const SCOPE_LABELS: Record<AnswerScope, string> = {
  "host-port": "this host and port",
  host: "this host",
  domain: "this domain",
  any: "any destination",
};

/** The durations a prompt offers, in the order shown. */
export const DURATION_CHOICES: readonly AnswerDuration[] = ["once", "process", { minutes: 15 }, "reboot", "forever"];

export function durationLabel(d: AnswerDuration): string {
  if (typeof d === "object") return d.minutes === 1 ? "1 minute" : `${d.minutes} minutes`;
  return { once: "once", process: "until it quits", reboot: "until reboot", forever: "forever" }[d];
}

export function sameDuration(a: AnswerDuration, b: AnswerDuration): boolean {
  return typeof a === "object" && typeof b === "object" ? a.minutes === b.minutes : a === b;
}

/** "connect to", "accept from", ...: what the program wants, as a verb phrase. */
export const OPERATION_VERBS: Record<RequestOperation, string> = {
  connect: "connect to",
  send: "send to",
  accept: "accept from",
  bind: "bind",
  listen: "listen on",
  socket: "open a socket",
};

/** Flags that say the identity is unusual, in words; `warn` marks those that weaken it. */
export const FLAG_LABELS: Record<AppFlag, { text: string; warn: boolean }> = {
  path_truncated: { text: "path truncated", warn: true },
  no_exe: { text: "no executable file", warn: true },
  deleted: { text: "deleted executable", warn: true },
  foreign_mount_ns: { text: "path from another mount namespace", warn: true },
  memfd: { text: "runs from memory (memfd)", warn: true },
  exe_changed: { text: "executable changed after exec", warn: true },
  unrecorded: { text: "identity read at call time", warn: false },
  ld_preload: { text: "LD_PRELOAD set", warn: true },
  argv_truncated: { text: "command line truncated", warn: false },
};

export function flagLabel(flag: string): { text: string; warn: boolean } {
  return (FLAG_LABELS as Record<string, { text: string; warn: boolean }>)[flag] ?? { text: flag, warn: true };
}
