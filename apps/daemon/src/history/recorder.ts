// What was decided goes to two places: live activity (API subscribers, at once) and history
// (the store, in batches: one transaction and one fsync per second or per 200 entries, off
// the held-flow path).

import type { ActivityEntry } from "@sockgate/protocol/client";
import type { NewHistoryEntry, Store } from "@sockgate/store";
import type { Rule } from "@sockgate/decision-engine";
import type { Logger } from "../log/logger.js";

export interface Recorder {
  record(entry: ActivityEntry): void;
  onActivity(listener: (entry: ActivityEntry) => void): () => void;
  /** Writes what is queued now. */
  flush(): void;
  stats(): { written: number; failed: number; queued: number };
  stop(): void;
}

function toHistory(e: ActivityEntry): NewHistoryEntry {
  return {
    at: e.at,
    uid: e.uid,
    exe: e.exe,
    op: e.op,
    proto: e.proto,
    remoteAddr: e.remoteAddr,
    remotePort: e.remotePort,
    localPort: e.localPort,
    host: e.host,
    verdict: e.verdict,
    reason: e.reason,
    ruleId: e.ruleId,
    count: e.count ?? 1,
    pid: e.pid ?? null,
    answererPid: e.answeredBy?.pid ?? null,
    answererExe: e.answeredBy?.exe ?? null,
  };
}

export function startRecorder(store: Store<Rule>, log: Logger, options: { intervalMs?: number; batch?: number } = {}): Recorder {
  const listeners = new Set<(e: ActivityEntry) => void>();
  let queue: NewHistoryEntry[] = [];
  let written = 0;
  let failed = 0;
  const batch = options.batch ?? 200;

  function flush(): void {
    if (queue.length === 0) return;
    const rows = queue;
    queue = [];
    try {
      store.history.append(rows);
      written += rows.length;
    } catch (err) {
      failed += rows.length;
      log.error({ err: (err as Error).message, entries: rows.length }, "history could not be written");
    }
  }

  const timer = setInterval(flush, options.intervalMs ?? 1000);
  timer.unref();

  return {
    record(entry) {
      for (const l of listeners) l(entry);
      if (queue.push(toHistory(entry)) >= batch) setImmediate(flush);
    },
    onActivity(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush,
    stats: () => ({ written, failed, queued: queue.length }),
    stop() {
      clearInterval(timer);
      flush();
    },
  };
}
