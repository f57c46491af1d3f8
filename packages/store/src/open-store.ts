import Database from "better-sqlite3";
import { parseRule } from "@sockgate/decision-engine";
import type { Rule } from "@sockgate/decision-engine";
import { SockgateError } from "@sockgate/protocol";
import { checkRetention, createHistoryRepo } from "./history-repo.js";
import type { HistoryRepo, RetentionPolicy } from "./history-repo.js";
import { exportRules, importRules } from "./import-export.js";
import type { ImportOptions, ImportResult } from "./import-export.js";
import { APPLICATION_ID, applyMigrations, SCHEMA_VERSION } from "./migrations.js";
import { createRulesRepo } from "./rules-repo.js";
import type { RulesRepo } from "./rules-repo.js";
import type { Connection } from "./sqlite-call.js";
import type { Clock, OwnerFilter, RuleValidator, StorableRule } from "./types.js";

export interface StoreOptions<R extends StorableRule> {
  /** The database file, created if absent; SQLite keeps its -wal and -shm files beside it. */
  path: string;
  /**
   * Turns JSON into a rule or throws SG_ERR_RULE_INVALID naming the field. Defaults to the
   * decision-engine's parseRule (rule schema v1); pass another to store another rule type.
   */
  validateRule: RuleValidator<R>;
  /** History limits; defaults 100,000 rows and 30 days. */
  retention?: Partial<RetentionPolicy>;
  /** Milliseconds since the epoch; defaults to Date.now. */
  clock?: Clock;
  /** How long a write waits for another connection's lock before failing; default 5,000 ms. */
  busyTimeoutMs?: number;
}

export interface Store<R extends StorableRule> {
  readonly path: string;
  /** The schema version the file had before this open (0 for a new file). */
  readonly migratedFrom: number;
  readonly rules: RulesRepo<R>;
  readonly history: HistoryRepo;
  exportJson(filter?: OwnerFilter): string;
  importJson(text: string, options?: ImportOptions): ImportResult;
  close(): void;
}

function openError(path: string, what: string, cause?: unknown): SockgateError {
  const detail = cause === undefined ? "" : `: ${(cause as Error).message}`;
  return new SockgateError("SG_ERR_STORE_OPEN", `opening store ${JSON.stringify(path)}: ${what}${detail}`, cause === undefined ? undefined : { cause });
}

function configure(db: Database.Database, path: string): void {
  let appId: number;
  try {
    appId = db.pragma("application_id", { simple: true }) as number;
  } catch (cause) {
    throw openError(path, "expected an SQLite database, received a file SQLite cannot read", cause);
  }
  if (appId !== 0 && appId !== APPLICATION_ID) {
    throw openError(path, `expected a sockgate store (application_id ${APPLICATION_ID}), received application_id ${appId}`);
  }
  if (appId === 0) {
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get() as number;
    if (tables > 0) throw openError(path, `expected an empty file or a sockgate store, received a database with ${tables} unrelated schema objects`);
  }
  // WAL: readers (the TUI's history view) never block the daemon's writes, and a commit is
  // one append to the log. synchronous=FULL: the log is fsynced at every commit, so an
  // acknowledged rule survives power loss too, not only a killed process (see README).
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (mode !== "wal") throw openError(path, `expected journal_mode wal, received ${String(mode)} (WAL needs a regular file on a local filesystem)`);
  db.pragma("synchronous = FULL");
  const sync = db.pragma("synchronous", { simple: true });
  if (sync !== 2) throw openError(path, `expected synchronous FULL (2), received ${String(sync)}`);
}

/** Default rule type: the decision-engine's Rule, validated by its parseRule. */
export function openStore(options: Omit<StoreOptions<Rule>, "validateRule"> & { validateRule?: undefined }): Store<Rule>;
export function openStore<R extends StorableRule>(options: StoreOptions<R>): Store<R>;
export function openStore<R extends StorableRule>(
  options: Omit<StoreOptions<R>, "validateRule"> & { validateRule?: RuleValidator<R> },
): Store<R> {
  const path = options?.path;
  const validateRule = options?.validateRule ?? (parseRule as unknown as RuleValidator<R>);
  if (typeof path !== "string" || path.length === 0 || path === ":memory:" || path.startsWith("file:")) {
    throw openError(String(path), `path: expected a file path, received ${JSON.stringify(path)}`);
  }
  if (typeof validateRule !== "function") throw openError(path, `validateRule: expected a function or nothing, received ${typeof validateRule}`);
  const retention = checkRetention(options.retention);
  const clock = options.clock ?? Date.now;
  const timeout = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(timeout) || timeout < 0) throw openError(path, `busyTimeoutMs: expected a non-negative integer, received ${JSON.stringify(timeout)}`);

  let db: Database.Database;
  try {
    db = new Database(path, { timeout });
  } catch (cause) {
    throw openError(path, "SQLite could not open the file", cause);
  }
  let migratedFrom: number;
  try {
    configure(db, path);
    migratedFrom = applyMigrations(db);
  } catch (cause) {
    db.close();
    if (cause instanceof SockgateError) throw cause;
    throw openError(path, `setting up the connection and schema version ${SCHEMA_VERSION} failed`, cause);
  }

  const conn: Connection = { db, path, closed: false };
  const rules = createRulesRepo(conn, validateRule, clock);
  const history = createHistoryRepo(conn, retention, clock);
  const { writeChecked, ...publicRules } = rules;

  return {
    path,
    migratedFrom,
    rules: publicRules,
    history,
    exportJson: (filter) => exportRules(publicRules, clock, filter),
    importJson: (text, opts) => importRules(conn, validateRule, writeChecked, text, opts),
    close() {
      if (conn.closed) return;
      conn.closed = true;
      db.close();
    },
  };
}
