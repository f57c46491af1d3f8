// Who holds the pin directory's lock (taken by the addon with flock at openShim): read from
// /proc/locks, so the refusal can name the process to stop.
import { readFileSync, statSync } from "node:fs";
import { kernelDevFromStat } from "./identity.js";

/** Pids holding a flock on path (empty when none, or when /proc/locks is unreadable). */
export function lockHolders(path: string): number[] {
  let text: string;
  let want: string;
  try {
    const st = statSync(path, { bigint: true });
    const dev = kernelDevFromStat(st.dev);
    // "1: FLOCK  ADVISORY  WRITE 1234 00:1e:5678 0 EOF": major and minor in hex, inode in decimal
    want = `${(dev >>> 20).toString(16).padStart(2, "0")}:${(dev & 0xfffff).toString(16).padStart(2, "0")}:${st.ino}`;
    text = readFileSync("/proc/locks", "utf8");
  } catch {
    return [];
  }
  const pids = new Set<number>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[1] === "FLOCK" && f[5] === want) pids.add(Number(f[4]));
  }
  return [...pids];
}
