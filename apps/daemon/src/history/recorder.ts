// What was decided goes to two places: live activity (API subscribers, at once) and history
// (the store, in batches of up to a second, committed by a worker thread: the commit's fsync
// never blocks the loop that answers held flows).

import { Worker } from "node:worker_threads";
import type { ActivityEntry } from "@sockgate/protocol/client";
import type { NewHistoryEntry } from "@sockgate/store";
import type { Logger } from "../log/logger.js";

export interface HistoryTarget {
  path: string;
  maxRows: number;
  maxAgeMs: number;
}

export interface Recorder {
  record(entry: ActivityEntry): void;
  onActivity(listener: (entry: ActivityEntry) => void): () => void;
  /** Writes what is queued now. */
  flush(): void;
  stats(): { written: number; failed: number; queued: number };
  /** Flushes and waits until the worker has written everything and closed its connection. */
  stop(): Promise<void>;
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

export function startRecorder(target: HistoryTarget, log: Logger, options: { intervalMs?: number; batch?: number } = {}): Recorder {
  const listeners = new Set<(e: ActivityEntry) => void>();
  let queue: NewHistoryEntry[] = [];
  let written = 0;
  let failed = 0;
  const batch = options.batch ?? 500;
  // a small heap: it only turns batches into rows
  const worker = new Worker(new URL("./history-worker.js", import.meta.url), { workerData: target, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 64 } });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.on("message", (m: { written?: number; failed?: number; error?: string }) => {
    written += m.written ?? 0;
    if (m.failed !== undefined) {
      failed += m.failed;
      log.error({ err: m.error, entries: m.failed }, "history could not be written");
    }
  });
  worker.on("error", (err) => log.error({ err: err.message }, "the history writer failed; history is not written"));

  const allows = new Map<string, NewHistoryEntry>();
  function flush(): void {
    allows.clear();
    if (queue.length === 0) return;
    const rows = queue;
    queue = [];
    worker.postMessage(rows);
  }

  const timer = setInterval(flush, options.intervalMs ?? 1000);
  timer.unref();

  return {
    record(entry) {
      for (const l of listeners) l(entry);
      // A rule's allow decided in user space, one per flow, is kept as one row per
      // application, peer address and rule per interval (its count; the port when all were
      // to one port, else null): thousands of flows a second would otherwise be thousands of
      // rows. Denies and answers keep a row each.
      if (entry.verdict === "allow" && entry.ruleId !== null && entry.answeredBy === undefined) {
        const key = `${entry.uid}\0${entry.exe}\0${entry.op}\0${entry.proto}\0${entry.remoteAddr}\0${entry.ruleId}`;
        const row = allows.get(key);
        if (row !== undefined) {
          row.count = (row.count ?? 1) + (entry.count ?? 1);
          if (row.remotePort !== entry.remotePort) row.remotePort = null;
          return;
        }
        const fresh = toHistory(entry);
        allows.set(key, fresh);
        if (queue.push(fresh) >= batch) flush();
        return;
      }
      if (queue.push(toHistory(entry)) >= batch) flush();
    },
    onActivity(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush,
    stats: () => ({ written, failed, queued: queue.length }),
    async stop() {
      clearInterval(timer);
      flush();
      worker.postMessage("close");
      await exited;
    },
  };
}
