import { readFileSync } from "node:fs";

/** Mount point of the cgroup v2 hierarchy: /sys/fs/cgroup on unified systems,
 * /sys/fs/cgroup/unified on hybrid ones (such as this project's build machines). */
export function cgroup2Root(mounts = readFileSync("/proc/self/mounts", "utf8")): string {
  for (const line of mounts.split("\n")) {
    const [, mountPoint, fsType] = line.split(" ");
    if (fsType === "cgroup2" && mountPoint) return mountPoint;
  }
  throw new Error("no cgroup2 filesystem is mounted (looked in /proc/self/mounts); sockgate needs cgroup v2");
}
