import { existsSync, readFileSync, rmdirSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import { sleep } from "./exec.js";
import { uniqueName } from "./names.js";

/** Ids of every cgroup this process created, so leftover checks can find links still bound to them. */
export const createdCgroupIds = new Set<bigint>();

/** The cgroup2 mount point: /sys/fs/cgroup/unified on hybrid systems, /sys/fs/cgroup on pure v2. */
export function cgroup2Mount(): string {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f[2] === "cgroup2")
    .map((f) => f[1]!);
  const mount = mounts[0];
  if (mount === undefined) throw new Error("no cgroup2 mount in /proc/mounts: the shim needs the unified hierarchy");
  return mount;
}

export interface TestCgroup {
  name: string;
  path: string;
  /** cgroup v2 id (the kernfs inode number), as events report it. */
  id: bigint;
}

/** A fresh cgroup under the cgroup2 mount; removed (processes killed first) by cleanup. */
export function createTestCgroup(cleanup: Cleanup, name = uniqueName()): TestCgroup {
  const path = join(cgroup2Mount(), name);
  mkdirSync(path);
  const id = statSync(path, { bigint: true }).ino;
  createdCgroupIds.add(id);
  cleanup.add(`remove cgroup ${path}`, () => removeCgroup(path));
  return { name, path, id };
}

export function cgroupPids(path: string): number[] {
  return readFileSync(join(path, "cgroup.procs"), "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map(Number);
}

/** Kills whatever still runs in the cgroup, waits for it to empty, then removes it. */
export async function removeCgroup(path: string): Promise<void> {
  if (!existsSync(path)) return;
  for (let attempt = 0; attempt < 100; attempt++) {
    const pids = cgroupPids(path);
    if (pids.length === 0) break;
    if (existsSync(join(path, "cgroup.kill"))) writeFileSync(join(path, "cgroup.kill"), "1");
    else for (const pid of pids) killQuietly(pid);
    await sleep(20);
  }
  rmdirSync(path);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
