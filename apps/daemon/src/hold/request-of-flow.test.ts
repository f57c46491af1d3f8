import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { preloads, procInfoOf } from "./request-of-flow.js";
import { readStartTime } from "./start-times.js";

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
});
