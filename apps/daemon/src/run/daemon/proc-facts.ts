// What /proc says about a process a `sockgate run` client asks about: its thread group,
// real uid, parent, start time and pid namespace. Every read may find the process gone.

import { readFileSync, readlinkSync } from "node:fs";
import { statusField } from "../../proc-status.js";

export interface TaskFacts {
  tgid: number;
  ppid: number;
  /** Real uid. */
  uid: number;
}

/** /proc/PID/status of a thread or process; undefined when it is gone. */
export function taskFacts(pid: number): TaskFacts | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const field = (name: string): number | undefined => {
    const m = /^\d+/.exec(statusField(text, name) ?? "");
    return m ? Number(m[0]) : undefined;
  };
  const tgid = field("Tgid");
  const ppid = field("PPid");
  const uid = field("Uid");
  return tgid === undefined || ppid === undefined || uid === undefined ? undefined : { tgid, ppid, uid };
}

/** Whether `pid` is `ancestor` or descends from one of `ancestors` (by parentage, up to pid 1). */
export function descendsFrom(pid: number, ancestors: ReadonlySet<number>): boolean {
  let p = pid;
  for (let depth = 0; depth < 256 && p > 1; depth++) {
    if (ancestors.has(p)) return true;
    const f = taskFacts(p);
    if (f === undefined) return false;
    p = f.ppid;
  }
  return false;
}

/** The pid namespace of a process (readlink of /proc/PID/ns/pid), or undefined. */
export function pidNamespace(pid: number | "self"): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** The initial pid namespace's inode (PROC_PID_INIT_INO): the kernel's BPF names tasks by pids of this namespace. */
const INIT_PID_NS = "pid:[4026531836]";

/** Whether this process sees the initial pid namespace's pids (then its tids are the kernel's). */
export function inInitialPidNamespace(): boolean {
  return pidNamespace("self") === INIT_PID_NS;
}
