export { openStore } from "./open-store.js";
export type { Store, StoreOptions } from "./open-store.js";
export type { Clock, Owner, OwnerFilter, RuleValidator, StorableRule } from "./types.js";
export type { RulesRepo } from "./rules-repo.js";
export { DEFAULT_RETENTION } from "./history-repo.js";
export type {
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
