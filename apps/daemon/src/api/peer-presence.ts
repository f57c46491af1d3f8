// Whether the process that opened an API connection still runs. SO_PEERCRED names the
// connecting process, but the connection is a file descriptor: it can be handed to another
// process (SCM_RIGHTS, fork) and outlive the one that connected. A prompt's asker could have
// a child connect, take the connection and let the child exit: the tree check would then be
// asked about a pid that no longer exists, and find it unrelated. So answers require the
// connecting process to be alive, which the pidfd from SO_PEERPIDFD tells for the very
// process (never a later one with its pid); without one, its pid must still have the start
// time read at accept.

import { closeSync } from "node:fs";
import type { PidfdAddon } from "../pidfd.js";
import { readProcStat } from "./process-tree.js";

export interface PeerPresence {
  /** The start time of the connecting process, confirmed by its pidfd when there is one; null when it had already exited. */
  readonly startTime: number | null;
  present(): boolean;
  /** Closes the pidfd; present() is false afterwards. */
  close(): void;
}

/** `pidfd` is the connection's SO_PEERPIDFD (owned from here on), or negative when the kernel gave none. */
export function peerPresence(pid: number, pidfd: number, addon: PidfdAddon | undefined, procRoot = "/proc"): PeerPresence {
  let fd = addon !== undefined ? pidfd : -1;
  if (fd < 0 && pidfd >= 0) closeSync(pidfd);
  const read = readProcStat(pid, procRoot)?.startTime ?? null;
  // Alive after the read: the pid was this process's throughout, so was the start time.
  const startTime = fd >= 0 && !addon!.pidfdAlive(fd) ? null : read;
  let closed = false;
  return {
    startTime,
    present() {
      if (closed || startTime === null) return false;
      if (fd >= 0) return addon!.pidfdAlive(fd);
      return readProcStat(pid, procRoot)?.startTime === startTime;
    },
    close() {
      if (closed) return;
      closed = true;
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}
