import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readProcStat } from "../api/process-tree.js";
import { startTimes } from "./start-times.js";

// A fake kernel: pids with start times, pidfds that name one process each.
function fakeKernel() {
  const procs = new Map<number, number>(); // pid -> start time of the process holding it
  const fds = new Map<number, { pid: number; startTime: number }>();
  let nextFd = 1000;
  let reads = 0;
  const addon = {
    pidfdOpen(pid: number): number {
      const st = procs.get(pid);
      if (st === undefined) return -3; // ESRCH
      fds.set(nextFd, { pid, startTime: st });
      return nextFd++;
    },
    // alive while the pid still holds the very process the fd was opened for
    pidfdAlive: (fd: number) => fds.has(fd) && procs.get(fds.get(fd)!.pid) === fds.get(fd)!.startTime,
  };
  const read = (pid: number): number | undefined => {
    reads++;
    return procs.get(pid);
  };
  // the fds it hands out are not real: closing one forgets it
  const close = (fd: number): void => void fds.delete(fd);
  return { procs, addon, read, close, reads: () => reads, open: () => fds.size };
}

describe("startTimes", () => {
  it("reads /proc once per process, then answers from the live pidfd", () => {
    const k = fakeKernel();
    k.procs.set(42, 500);
    const st = startTimes({ max: 8, read: k.read, addon: k.addon, close: k.close });
    expect(st.of(42)).toBe(500);
    expect(st.of(42)).toBe(500);
    expect(st.of(42)).toBe(500);
    expect(k.reads()).toBe(1);
    expect(st.size()).toBe(1);
  });

  it("a reused pid is a new process: its own start time, never the cached one", () => {
    const k = fakeKernel();
    k.procs.set(42, 500);
    const st = startTimes({ max: 8, read: k.read, addon: k.addon, close: k.close });
    expect(st.of(42)).toBe(500);
    k.procs.set(42, 900); // 42 exited and was reaped; a later process got its pid
    expect(st.of(42)).toBe(900);
    expect(k.reads()).toBe(2);
  });

  it("a pid reused between opening the pidfd and reading /proc is not cached", () => {
    const k = fakeKernel();
    k.procs.set(42, 500);
    const read = (pid: number): number | undefined => {
      k.procs.set(42, 900); // the process the fd names exits, another takes the pid
      return k.read(pid);
    };
    const st = startTimes({ max: 8, read, addon: k.addon, close: k.close });
    expect(st.of(42)).toBe(900); // what /proc says now, as without the cache
    expect(st.size()).toBe(0);
  });

  it("a process that is gone has no start time", () => {
    const k = fakeKernel();
    const st = startTimes({ max: 8, read: k.read, addon: k.addon, close: k.close });
    expect(st.of(7)).toBeUndefined();
    expect(st.size()).toBe(0);
  });

  it("keeps at most max pidfds, closing the least recently asked", () => {
    const k = fakeKernel();
    for (let pid = 1; pid <= 5; pid++) k.procs.set(pid, pid * 10);
    const st = startTimes({ max: 3, read: k.read, addon: k.addon, close: k.close });
    for (let pid = 1; pid <= 3; pid++) st.of(pid);
    st.of(1); // 2 is now the oldest
    st.of(4);
    expect(st.size()).toBe(3);
    expect(k.open()).toBe(3); // the evicted one was closed
    const before = k.reads();
    st.of(1);
    st.of(3);
    st.of(4);
    expect(k.reads()).toBe(before);
    st.of(2);
    expect(k.reads()).toBe(before + 1);
  });

  it("without pidfds reads /proc every time", () => {
    const k = fakeKernel();
    k.procs.set(42, 500);
    const st = startTimes({ max: 8, read: k.read, addon: undefined, close: k.close });
    st.of(42);
    st.of(42);
    expect(k.reads()).toBe(2);
    const nosys = startTimes({ max: 8, read: k.read, addon: { pidfdOpen: () => -38, pidfdAlive: () => false }, close: k.close });
    nosys.of(42);
    nosys.of(42);
    expect(k.reads()).toBe(4);
  });
});

describe("startTimes with real pidfds", () => {
  it("follows a real process until it exits", async () => {
    const child = spawn("sleep", ["30"]);
    const pid = child.pid!;
    const st = startTimes();
    const t = st.of(pid);
    expect(t).toBe(readProcStat(pid)?.startTime);
    expect(typeof t).toBe("number");
    expect(st.of(pid)).toBe(t);
    expect(st.size()).toBe(1);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited; // reaped: the pid is free
    expect(st.of(pid)).toBeUndefined();
    expect(st.size()).toBe(0);
  });
});
