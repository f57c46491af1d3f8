// Opening the store's file: its mode, SQLite's settings (WAL, synchronous=FULL), the check
// that it is a sockgate store, and the schema migrations. Shared by openStore and
// openHistoryWriter, which must not load the decision engine.

import Database from "better-sqlite3";
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import { SockgateError } from "@sockgate/protocol";
import { APPLICATION_ID, applyMigrations, SCHEMA_VERSION } from "./migrations.js";

export function openError(path: string, what: string, cause?: unknown): SockgateError {
  const detail = cause === undefined ? "" : `: ${(cause as Error).message}`;
  return new SockgateError("SG_ERR_STORE_OPEN", `opening store ${JSON.stringify(path)}: ${what}${detail}`, cause === undefined ? undefined : { cause });
}

// The file holds every user's rules and history: only root may read it. The database is
// created 0600 before SQLite opens it, and SQLite gives its -wal and -shm files the
// database's mode; files left looser by an older version are tightened.
function restrictMode(path: string): void {
  closeSync(openSync(path, "a", 0o600));
  for (const p of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(p)) chmodSync(p, 0o600);
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

/** A file path SQLite opens as a file (not ":memory:", not a "file:" URI), or SG_ERR_STORE_OPEN. */
export function checkPath(path: unknown): string {
  if (typeof path !== "string" || path.length === 0 || path === ":memory:" || path.startsWith("file:")) {
    throw openError(String(path), `path: expected a file path, received ${JSON.stringify(path)}`);
  }
  return path;
}

/**
 * The open, configured and migrated database, and the schema version it had before.
 * `timeout` (busyTimeoutMs, default 5,000): how long a write waits for another connection's lock.
 */
export function openConnection(path: string, timeout = 5000): { db: Database.Database; migratedFrom: number } {
  if (!Number.isInteger(timeout) || timeout < 0) throw openError(path, `busyTimeoutMs: expected a non-negative integer, received ${JSON.stringify(timeout)}`);
  let db: Database.Database;
  try {
    restrictMode(path);
    db = new Database(path, { timeout });
  } catch (cause) {
    throw openError(path, "SQLite could not open the file", cause);
  }
  try {
    configure(db, path);
    return { db, migratedFrom: applyMigrations(db) };
  } catch (cause) {
    db.close();
    if (cause instanceof SockgateError) throw cause;
    throw openError(path, `setting up the connection and schema version ${SCHEMA_VERSION} failed`, cause);
  }
}
