// The history writer, in a worker thread: a batch commit fsyncs (synchronous=FULL), a few
// milliseconds the daemon's event loop must not spend while flows are held. The worker has
// its own connection to the same file (WAL: the daemon's reads are not blocked).

import { parentPort, workerData } from "node:worker_threads";
// the history-only entry: the worker would otherwise load the decision engine for nothing
import { openHistoryWriter } from "@sockgate/store/history";
import type { NewHistoryEntry } from "@sockgate/store/history";

const { path, maxRows, maxAgeMs } = workerData as { path: string; maxRows: number; maxAgeMs: number };
const store = openHistoryWriter({ path, retention: { maxRows, maxAgeMs } });

parentPort!.on("message", (rows: NewHistoryEntry[] | "close") => {
  if (rows === "close") {
    store.close();
    parentPort!.close();
    return;
  }
  try {
    store.history.append(rows);
    parentPort!.postMessage({ written: rows.length });
  } catch (err) {
    parentPort!.postMessage({ failed: rows.length, error: (err as Error).message });
  }
});
