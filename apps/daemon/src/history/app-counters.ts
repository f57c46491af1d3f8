// Calls the kernel answered from its entries raise no event; the shim counts them per
// application instead. Read every `intervalMs`, the growth of each count since the last read
// becomes one activity line and one history row standing for that many calls.

import type { Shim } from "@sockgate/kernel-shim";
import type { ActivityEntry } from "@sockgate/protocol/client";

export interface AppCountersDeps {
  shim: Shim;
  exeOf: (exeDev: number, exeIno: bigint) => string | undefined;
  record: (entry: ActivityEntry) => void;
  intervalMs: number;
}

type AppCount = ReturnType<Shim["appCounters"]>[number];

const keyOf = (c: AppCount): string => `${c.exeDev}/${c.exeIno}/${c.uid}/${c.op}/${c.proto}/${c.verdict}`;

export function startAppCounters(d: AppCountersDeps): { read(): number; stop(): void } {
  // Counts since the shim was loaded: the first read is the baseline, not activity.
  const last = new Map<string, bigint>(d.shim.appCounters().map((c) => [keyOf(c), c.count]));
  function read(): number {
    let lines = 0;
    const now = Date.now();
    for (const c of d.shim.appCounters()) {
      const k = keyOf(c);
      const grew = c.count - (last.get(k) ?? 0n);
      last.set(k, c.count);
      if (grew <= 0n) continue;
      lines++;
      d.record({
        at: now,
        uid: c.uid,
        exe: d.exeOf(c.exeDev, c.exeIno) ?? `(inode ${c.exeIno} on device ${c.exeDev})`,
        op: c.op,
        proto: c.proto,
        remoteAddr: null,
        remotePort: null,
        localPort: null,
        host: null,
        verdict: c.verdict,
        reason: `kernel: ${grew} calls answered from its entries in ${Math.round(d.intervalMs / 1000)} s`,
        ruleId: null,
        count: Number(grew),
      });
    }
    return lines;
  }
  const timer = setInterval(read, d.intervalMs);
  timer.unref();
  return { read, stop: () => clearInterval(timer) };
}
