// Process start times (/proc/PID/stat field 22) for the per-process cache of held flows
// whose event record did not arrive (records carry the start time themselves), read once per
// process instead of once per flow: reading /proc costs 20-30 µs here, a pidfd
// check one syscall. A pidfd names the process, not the pid number: while the process it was
// opened for is alive (not yet reaped), its pid cannot belong to anyone else, so the start
// time read for it still holds. The fd is opened before /proc is read and checked after, so
// a pid reused in between is never cached; a dead one is dropped and read again. Without
// pidfds (the addon missing, a kernel before 5.3) every call reads /proc, as before.

import { closeSync } from "node:fs";
import { readProcStat } from "../api/process-tree.js";
import { loadPidfd, type PidfdAddon } from "../pidfd.js";

/** /proc/PID/stat field 22 (start time in clock ticks); undefined when the process is gone. */
export const readStartTime = (pid: number): number | undefined => readProcStat(pid)?.startTime;

export interface StartTimes {
  /** The start time of the process that has `pid` now, undefined when there is none. */
  of(pid: number): number | undefined;
  /** Open pidfds (status, tests). */
  size(): number;
  clear(): void;
}

export interface StartTimesOptions {
  /** Processes that keep a pidfd (the least recently asked about is closed first). Default 256. */
  max?: number;
  /** Tests: a made-up /proc, pidfds and close. */
  read?: (pid: number) => number | undefined;
  addon?: PidfdAddon | undefined;
  close?: (fd: number) => void;
}

export function startTimes(o: StartTimesOptions = {}): StartTimes {
  const max = o.max ?? 256;
  const read = o.read ?? readStartTime;
  const addon = "addon" in o ? o.addon : loadPidfd();
  const close = o.close ?? closeSync;
  const known = new Map<number, { fd: number; startTime: number }>();
  let usable = addon !== undefined;

  const forget = (pid: number, fd: number): void => {
    known.delete(pid);
    close(fd);
  };

  return {
    of(pid) {
      const hit = known.get(pid);
      if (hit !== undefined) {
        if (addon!.pidfdAlive(hit.fd)) {
          // most recently used last: the first entry is the one to close when full
          known.delete(pid);
          known.set(pid, hit);
          return hit.startTime;
        }
        forget(pid, hit.fd); // exited: the pid may be someone else's by now
      }
      if (!usable) return read(pid);
      const fd = addon!.pidfdOpen(pid);
      if (fd < 0) {
        if (fd === -38) usable = false; // ENOSYS: no pidfds on this kernel
        return read(pid);
      }
      const startTime = read(pid);
      // Alive after the read: the pid was this process's throughout, so was what was read.
      if (startTime === undefined || !addon!.pidfdAlive(fd)) {
        close(fd);
        return startTime;
      }
      if (known.size >= max) {
        const [oldPid, old] = known.entries().next().value!;
        forget(oldPid, old.fd);
      }
      known.set(pid, { fd, startTime });
      return startTime;
    },
    size: () => known.size,
    clear() {
      for (const [pid, { fd }] of [...known]) forget(pid, fd);
    },
  };
}
