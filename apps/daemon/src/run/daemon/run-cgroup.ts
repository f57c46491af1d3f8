// The cgroup `sockgate run` puts a command in when its user is not governed (root, a
// system user): sockgate.run below the cgroup the shim is attached to, governed whatever
// the uid, so the kernel's hooks decide the command's calls too (the address a connect
// really uses, after the supervisor let it continue). A governed user's command keeps its
// cgroup (and its session's resource limits).

import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

export const RUN_CGROUP_NAME = "sockgate.run";

export interface RunCgroup {
  /** Path below the cgroup2 mount, as /proc/PID/cgroup names it (a governed cgroup). */
  readonly path: string;
  /** Moves a process (and so everything it starts later) into the cgroup. */
  adopt(pid: number): void;
  /** Removes the cgroup when it is empty. */
  close(): void;
}

/** `created` is told when the cgroup is made (the kernel's scope must then learn its id). */
export function runCgroup(cgroupMount: string, attachedTo: string, created: () => void): RunCgroup {
  const dir = join(attachedTo, RUN_CGROUP_NAME);
  const path = `/${relative(cgroupMount, dir)}`;
  return {
    path,
    adopt(pid) {
      if (!existsSync(dir)) {
        // made on first use: a daemon nobody runs sockgate run under leaves no cgroup behind
        mkdirSync(dir);
        created();
      }
      writeFileSync(join(dir, "cgroup.procs"), String(pid));
    },
    close() {
      try {
        rmdirSync(dir);
      } catch {
        // still in use (a command outlives the daemon) or never made
      }
    },
  };
}
