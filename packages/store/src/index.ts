// @sockgate/store: rules and connection history in one SQLite file (see README.md).

export { openStore } from "./open-store.js";
export type { Store, StoreOptions, UserStore } from "./open-store.js";
export type { Clock, Owner, OwnerFilter, RuleValidator, StorableRule } from "./types.js";
export type { RulesRepo, SkippedRule } from "./rules-repo.js";
export { DEFAULT_RETENTION } from "./history-repo.js";
export type {
  HistoryCursor,
  HistoryEntry,
  HistoryQuery,
  HistoryRepo,
  NewHistoryEntry,
  PruneResult,
  RetentionPolicy,
  StoredHistoryEntry,
} from "./history-repo.js";
export { EXPORT_FORMAT, EXPORT_VERSION } from "./import-export.js";
export type { ExportDocument, ImportOptions, ImportResult } from "./import-export.js";
export { MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
export type { Migration } from "./migrations.js";
// Re-exported: every store error is one of these.
export { SockgateError, isSockgateError } from "@sockgate/protocol";
export type { SockgateErrorCode } from "@sockgate/protocol";
