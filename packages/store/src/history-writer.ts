// @sockgate/store/history: the history table alone, for a writer that never reads rules (the
// daemon's history worker). It opens the same file the same way openStore does, but loads
// neither the decision engine nor the rule code, which a worker thread would pay for in
// memory (about 8 MB here) and never use.

import { checkPath, openConnection } from "./connection.js";
import { checkRetention, createHistoryRepo } from "./history-repo.js";
import type { HistoryRepo, RetentionPolicy } from "./history-repo.js";
import type { Connection } from "./sqlite-call.js";
import type { Clock } from "./types.js";

export interface HistoryWriterOptions {
  /** The store's database file (created and migrated if absent, as openStore would). */
  path: string;
  retention?: Partial<RetentionPolicy>;
  clock?: Clock;
  busyTimeoutMs?: number;
}

export interface HistoryWriter {
  readonly history: HistoryRepo;
  close(): void;
}

export function openHistoryWriter(options: HistoryWriterOptions): HistoryWriter {
  const path = checkPath(options?.path);
  const retention = checkRetention(options.retention);
  const { db } = openConnection(path, options.busyTimeoutMs);
  const conn: Connection = { db, path, closed: false };
  return {
    history: createHistoryRepo(conn, retention, options.clock ?? Date.now),
    close() {
      if (conn.closed) return;
      conn.closed = true;
      db.close();
    },
  };
}
