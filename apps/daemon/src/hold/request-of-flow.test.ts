import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { HeldFlow } from "@sockgate/kernel-shim";
import { preloads, procInfoOf, requestOfFlow } from "./request-of-flow.js";
import { readStartTime } from "./start-times.js";

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A flow known only from its sg_pending entry (no event record), as a restarted daemon sees it. */
function pendingOnly(tgid: number, startTime: bigint, execId: bigint): HeldFlow {
  const key = { cookie: 1n, addr: "::ffff:192.0.2.1", port: 443, proto: "tcp" } as const;
  const pending = {
    key, op: "connect", hook: "connect4", family: 2, exeIno: 1n, exeDev: 1, exeGeneration: 0, uid: 0, gid: 0,
    pid: tgid, tgid, ppid: 1, cgroupId: 1n, ktime: 1n, netnsCookie: 1n, flags: 0, localAddr: "0.0.0.0", localPort: 0,
    comm: "sh", startTime, execId,
  } as const;
  return { key, pending, source: "scan", packets: 0, seenAt: 0 };
}

describe("what the daemon reads about a process", () => {
  it("flags LD_PRELOAD and LD_AUDIT, set and non-empty, anywhere in the environment block", () => {
    expect(preloads("HOME=/root\0LD_PRELOAD=/tmp/x.so\0")).toBe(true);
    expect(preloads("LD_AUDIT=/tmp/a.so\0")).toBe(true);
    expect(preloads("LD_PRELOAD=\0PATH=/bin\0")).toBe(false);
    expect(preloads("MY_LD_PRELOAD=/x\0")).toBe(false);
  });

  it("reads the flag from a real process started with LD_PRELOAD", async () => {
    // an empty preload list entry still sets the variable; /dev/null is not loaded (ld.so warns)
    const child = spawn("/usr/bin/sleep", ["5"], { env: { LD_PRELOAD: "/nonexistent-sockgate.so" }, stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(procInfoOf(child.pid!).flags).toEqual(["ld_preload"]);
      const clean = spawn("/usr/bin/sleep", ["5"], { env: {}, stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 100));
      expect(procInfoOf(clean.pid!).flags).toBeUndefined();
      clean.kill();
    } finally {
      child.kill();
    }
  });

  it("with the kernel's start time: reads /proc once, and only for the process that started then", async () => {
    const child = spawn("/usr/bin/sleep", ["5"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const pid = child.pid!;
      const ticks = readStartTime(pid)!;
      // as the event record has it: nanoseconds, somewhere inside that 1/100 s
      const startNs = BigInt(ticks) * 10_000_000n + 4_321_000n;
      const info = procInfoOf(pid, "", undefined, { startTime: startNs, execId: 1n });
      expect(info).toMatchObject({ startTime: ticks, cmdline: ["/usr/bin/sleep", "5"] });
      expect(info.cgroupPath).toMatch(/^\//);
      expect(procInfoOf(pid, "", undefined, { startTime: startNs, execId: 1n }), "the second flow is served from the cache").toBe(info);
      // after an exec (same pid and start, exec count + 1) it is read again
      const execd = procInfoOf(pid, "", undefined, { startTime: startNs, execId: 2n });
      expect(execd).not.toBe(info);
      expect(execd).toEqual(info);
      // another start for the same pid (the pid reused): /proc shows a different start, so
      // what it says is not this process's and is not used
      const other = procInfoOf(pid, "", undefined, { startTime: startNs + 5_000_000_000n, execId: 2n });
      expect(other).toEqual({ startTime: ticks + 500 });
    } finally {
      child.kill();
    }
  });

  it("a flow known only from sg_pending is read again after its process executed another program", async () => {
    // same pid and start time throughout; the exec count says which program asked
    const child = spawn("/bin/sh", ["-c", "/usr/bin/sleep 0.4; exec /usr/bin/sleep 5"], { stdio: "ignore" });
    try {
      await sleepMs(100);
      const pid = child.pid!;
      const startNs = BigInt(readStartTime(pid)!) * 10_000_000n;
      const first = requestOfFlow(pendingOnly(pid, startNs, 1n));
      expect(first.app).toMatchObject({ cmdline: ["/bin/sh", "-c", "/usr/bin/sleep 0.4; exec /usr/bin/sleep 5"], cmdlineSource: "proc" });
      await sleepMs(600);
      const second = requestOfFlow(pendingOnly(pid, startNs, 2n));
      expect(second.app.cmdline, "the command line of the program that runs now, not the cached one").toEqual(["/usr/bin/sleep", "5"]);
    } finally {
      child.kill();
    }
  });
});
