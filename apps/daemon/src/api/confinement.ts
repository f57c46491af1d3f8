// Whether a connecting process is confined the way `sockgate run` confines what it starts:
// no_new_privs and a seccomp filter (/proc/PID/status "NoNewPrivs: 1", "Seccomp: 2").
// Neither can be undone by the process, so code started under sockgate run, however it
// forks or detaches, stays recognisable. Unreadable (the process is gone) counts as
// confined: such a client is refused writes, never granted them.

import { readFileSync } from "node:fs";
import { statusField } from "../proc-status.js";

export function confinedByStatus(status: string): boolean {
  return statusField(status, "NoNewPrivs") === "1" && statusField(status, "Seccomp") === "2";
}

export function isConfined(pid: number, procRoot = "/proc"): boolean {
  try {
    return confinedByStatus(readFileSync(`${procRoot}/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}
