// @sockgate/store/history: the history table without the rules (see history-writer.ts).

export { openHistoryWriter } from "./history-writer.js";
export type { HistoryWriter, HistoryWriterOptions } from "./history-writer.js";
export { DEFAULT_RETENTION } from "./history-repo.js";
export type { HistoryRepo, NewHistoryEntry, RetentionPolicy } from "./history-repo.js";
