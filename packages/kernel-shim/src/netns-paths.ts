// Every network namespace on the machine right now, one path each: the bind mounts under
// /run/netns and those of running processes (/proc/PID/ns/net), told apart by inode.
import { readdirSync, statSync } from "node:fs";

export function netnsPathsNow(): string[] {
  const seen = new Set<bigint>();
  const out: string[] = [];
  const add = (path: string): void => {
    try {
      const ino = statSync(path, { bigint: true }).ino;
      if (seen.has(ino)) return;
      seen.add(ino);
      out.push(path);
    } catch {
      // gone meanwhile
    }
  };
  add("/proc/self/ns/net");
  for (const name of safeList("/run/netns")) add(`/run/netns/${name}`);
  for (const pid of safeList("/proc")) if (/^\d+$/.test(pid)) add(`/proc/${pid}/ns/net`);
  return out;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
