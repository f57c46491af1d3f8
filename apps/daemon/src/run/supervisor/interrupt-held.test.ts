// HeldCalls: which held calls a pending caught signal ends (connect, accept, send; not
// socket, bind, listen; not before HELD_MS), that an interrupted call's late answer is
// dropped, and caughtSignalPending on a real process whose signal is pending but blocked.

import { spawn } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NativeCall } from "../native.js";
import { HeldCalls, caughtSignalPending } from "./interrupt-held.js";

const call = (id: number, op: NativeCall["op"]): NativeCall => ({ id: BigInt(id), tid: 1000 + id, tgid: 1000 + id, op, fd: 3, domain: 2, type: 1, protocol: 0, proto: "tcp", cookie: 0n, remotes: [] });

describe("HeldCalls", () => {
  afterEach(() => void vi.useRealTimers());

  it("ends held connect/accept/send calls whose thread has a caught signal pending, after they waited a while", () => {
    vi.useFakeTimers();
    const ended: bigint[] = [];
    const signalled = new Set([1001, 1002, 1003, 1004]);
    const held = new HeldCalls((c) => ended.push(c.id), (_tgid, tid) => signalled.has(tid));
    for (const [i, op] of (["connect", "accept", "send", "listen", "socket"] as const).entries()) held.add(call(i + 1, op));
    held.add(call(6, "connect")); // no signal for it
    vi.advanceTimersByTime(100);
    expect(ended, "not before HELD_MS").toEqual([]);
    vi.advanceTimersByTime(200);
    expect(ended).toEqual([1n, 2n, 3n]);
    // the daemon's late answers: dropped for the interrupted, delivered for the others
    expect([held.settle(call(1, "connect")), held.settle(call(4, "listen")), held.settle(call(6, "connect"))]).toEqual([false, true, true]);
    held.stop();
  });
});

describe("caughtSignalPending", () => {
  it("is false for a signal that is pending but blocked, and for a thread that is gone", async () => {
    const code = "import signal, sys, time\nsignal.signal(signal.SIGUSR1, lambda *a: None)\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})\nprint('ready', flush=True)\ntime.sleep(30)";
    const p = spawn("python3", ["-c", code], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve) => p.stdout!.once("data", () => resolve()));
      p.kill("SIGUSR1");
      await new Promise((r) => setTimeout(r, 100));
      expect(caughtSignalPending(p.pid!, p.pid!)).toBe(false);
    } finally {
      p.kill("SIGKILL");
    }
    expect(caughtSignalPending(2 ** 22 + 1, 2 ** 22 + 1)).toBe(false);
  });
});
