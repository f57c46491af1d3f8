// "Until the application exits": a process rule names pid + start time + boot id. Once a
// second the daemon looks at /proc for the processes such rules name (only those: there
// are few), and tells the engine about each one that is gone or whose pid now belongs to a
// later process; the engine removes its rules and the store follows.

import { readFile } from "node:fs/promises";
import type { Engine } from "@sockgate/decision-engine";

export async function startTimeOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields.length > 19 ? Number(fields[19]) : undefined;
  } catch {
    return undefined;
  }
}

export function startProcessExits(engine: Engine, intervalMs = 1000): { check(): Promise<number>; stop(): void } {
  let busy = false;
  async function check(): Promise<number> {
    if (busy) return 0;
    busy = true;
    try {
      const seen = new Map<string, { pid: number; startTime: number }>();
      for (const r of engine.rules.list()) {
        const d = r.duration;
        if (d.kind === "process" && d.bootId === engine.bootId) seen.set(`${d.pid}/${d.startTime}`, { pid: d.pid, startTime: d.startTime });
      }
      let ended = 0;
      for (const p of seen.values()) {
        if ((await startTimeOf(p.pid)) === p.startTime) continue;
        engine.processExited({ ...p, bootId: engine.bootId });
        ended++;
      }
      return ended;
    } finally {
      busy = false;
    }
  }
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
