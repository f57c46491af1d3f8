// A signal the program catches ends a held connect(), accept() or send() with EINTR, as it
// ends those blocking calls without sockgate run (Ctrl-C in python: KeyboardInterrupt at
// once). Under SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV the kernel lets only a fatal signal
// end a call the supervisor is deciding, so without this a caught Ctrl-C would wait for
// the person's answer. While calls wait for the daemon, each one older than HELD_MS is
// checked every POLL_MS: a signal pending for its thread (or its process), not blocked,
// with a handler, and the call is answered EINTR. socket(), bind() and listen() never
// wait in the kernel, so they keep waiting for the answer (the handler runs after it).
// The question stays with the person: a program that retries joins the same prompt.

import { readFileSync } from "node:fs";
import { statusField } from "../../proc-status.js";
import type { NativeCall } from "../native.js";

const POLL_MS = 100;
const HELD_MS = 200;
const INTERRUPTIBLE = new Set<NativeCall["op"]>(["connect", "accept", "send"]);

function mask(status: string, field: string): bigint {
  const v = statusField(status, field);
  return v !== undefined && /^[0-9a-f]+$/.test(v) ? BigInt(`0x${v}`) : 0n;
}

/** A signal is pending for thread `tid` that its handler would take now. */
export function caughtSignalPending(tgid: number, tid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${tgid}/task/${tid}/status`, "utf8");
  } catch {
    return false; // gone: the kernel ended the call
  }
  const pending = mask(status, "SigPnd") | mask(status, "ShdPnd");
  return (pending & ~mask(status, "SigBlk") & mask(status, "SigCgt")) !== 0n;
}

export class HeldCalls {
  private readonly held = new Map<bigint, { call: NativeCall; since: number }>();
  private timer: NodeJS.Timeout | undefined;

  /** `interrupt(call)` answers the call EINTR. */
  constructor(
    private readonly interrupt: (call: NativeCall) => void,
    private readonly pending: (tgid: number, tid: number) => boolean = caughtSignalPending,
  ) {}

  /** The call waits for the daemon from now. */
  add(call: NativeCall): void {
    if (!INTERRUPTIBLE.has(call.op)) return;
    this.held.set(call.id, { call, since: Date.now() });
    this.timer ??= setInterval(() => this.sweep(), POLL_MS).unref();
  }

  /** The daemon answered: false when the call was interrupted already (the answer is for nobody). */
  settle(call: NativeCall): boolean {
    if (!INTERRUPTIBLE.has(call.op)) return true;
    const was = this.held.delete(call.id);
    this.idle();
    return was;
  }

  stop(): void {
    this.held.clear();
    this.idle();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, { call, since }] of this.held) {
      if (now - since < HELD_MS || !this.pending(call.tgid, call.tid)) continue;
      this.held.delete(id);
      this.interrupt(call);
    }
    this.idle();
  }

  private idle(): void {
    if (this.held.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
