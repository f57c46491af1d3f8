// A call the native thread could not answer -> the DecideCall questions it makes (one per
// peer: sendmmsg may name several), and their verdicts -> the one answer and what the
// native cache may keep. Pure.

import type { RunCall, RunVerdict } from "@sockgate/protocol/client";
import type { NativeCall, NativeRemember } from "../native.js";

export function runCallsOf(call: NativeCall, session: string): RunCall[] {
  const base: RunCall = { session, tid: call.tid, operation: call.op };
  if (call.op === "socket") return [{ ...base, socket: { domain: call.domain, type: call.type, protocol: call.protocol } }];
  const withFd: RunCall = { ...base, fd: call.fd, ...(call.cookie !== 0n ? { cookie: call.cookie.toString() } : {}) };
  if (call.op === "bind") return [{ ...withFd, ...(call.local ? { local: call.local } : {}) }];
  if (call.remotes.length === 0) return [withFd];
  return call.remotes.map((remote) => ({ ...withFd, remote }));
}

export interface Answer {
  allow: boolean;
  /** One per key of the native call, in the order runCallsOf asked. */
  remember: NativeRemember[];
  /** An allowed bind() or listen(): the supervisor does it on the socket it checked. */
  onChecked: boolean;
}

/** Allowed only when every peer is; each verdict the daemon says may be reused is kept. */
export function answerOf(verdicts: readonly RunVerdict[]): Answer {
  const allow = verdicts.length > 0 && verdicts.every((v) => v.action === "allow");
  return {
    allow,
    remember: verdicts.map((v) => (v.cache.scope === "rules" ? { allow: v.action === "allow", untilMs: v.cache.until ?? 0 } : null)),
    onChecked: allow && verdicts.every((v) => v.onCheckedSocket === true),
  };
}

/** One line for stderr about a refused call. */
export function describeRefusal(call: NativeCall, verdicts: readonly RunVerdict[], exe: string): string {
  const what = call.op === "socket" ? `socket(${call.proto})` : `${call.op} ${call.proto}${call.remotes[0] ? ` ${call.remotes[0].address}:${call.remotes[0].port}` : call.local ? ` ${call.local.address}:${call.local.port}` : ""}`;
  const why = verdicts.find((v) => v.action === "deny")?.reason ?? "refused";
  return `sockgate run: ${exe} (pid ${call.tgid}): ${what} refused (EACCES): ${why}`;
}
