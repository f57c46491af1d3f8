import type { Database } from "better-sqlite3";
import { SockgateError } from "@sockgate/protocol";

// The schema's history, oldest first. A shipped migration is never edited: a change is a new
// entry. `PRAGMA user_version` records the last one applied; it lives in the database header,
// so it commits or rolls back together with the migrations themselves.

export interface Migration {
  /** 1, 2, 3… without gaps; the list's index + 1. */
  version: number;
  name: string;
  sql: string;
}

/** "SGAT" in the database header: set by migration 1, so the store never adopts a foreign database. */
export const APPLICATION_ID = 0x53474154;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "rules and connection history",
    sql: `
      PRAGMA application_id = ${APPLICATION_ID};
      CREATE TABLE rules (
        id         TEXT PRIMARY KEY NOT NULL,
        owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'system')),
        owner_uid  INTEGER CHECK ((owner_kind = 'user') = (owner_uid IS NOT NULL)),
        body       TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX rules_by_owner ON rules (owner_kind, owner_uid, id);

      CREATE TABLE history (
        seq         INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        exe         TEXT NOT NULL,
        op          TEXT NOT NULL,
        proto       TEXT NOT NULL,
        remote_addr TEXT,
        remote_port INTEGER,
        local_port  INTEGER,
        host        TEXT,
        verdict     TEXT NOT NULL,
        reason      TEXT NOT NULL,
        rule_id     TEXT
      ) STRICT;
      CREATE INDEX history_by_time ON history (at);
      CREATE INDEX history_by_uid_time ON history (uid, at);
    `,
  },
  {
    version: 2,
    // Without AUTOINCREMENT a new row takes max(seq)+1, so once pruning empties the table
    // (or removes the newest rows) seq starts over and a history cursor points at new rows.
    name: "history seq never restarts",
    sql: `
      CREATE TABLE history_v2 (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        at          INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        exe         TEXT NOT NULL,
        op          TEXT NOT NULL,
        proto       TEXT NOT NULL,
        remote_addr TEXT,
        remote_port INTEGER,
        local_port  INTEGER,
        host        TEXT,
        verdict     TEXT NOT NULL,
        reason      TEXT NOT NULL,
        rule_id     TEXT
      ) STRICT;
      INSERT INTO history_v2 SELECT * FROM history;
      DROP TABLE history;
      ALTER TABLE history_v2 RENAME TO history;
      CREATE INDEX history_by_time ON history (at);
      CREATE INDEX history_by_uid_time ON history (uid, at);
    `,
  },
  {
    version: 3,
    // The daemon keeps a disabled rule (it decides nothing until enabled again), and history
    // gains what the API shows: how many calls an aggregate row stands for (kernel counters),
    // the process, and who answered a prompt.
    name: "rule enabled flag; history count, pid and answerer",
    sql: `
      ALTER TABLE rules ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1));
      ALTER TABLE history ADD COLUMN count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1);
      ALTER TABLE history ADD COLUMN pid INTEGER;
      ALTER TABLE history ADD COLUMN answerer_pid INTEGER;
      ALTER TABLE history ADD COLUMN answerer_exe TEXT;
      CREATE INDEX history_by_host_time ON history (host, at);
    `,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `db` to the last version of `migrations` in one IMMEDIATE transaction (so two
 * processes opening a new file cannot both migrate it). Returns the version found before.
 */
export function applyMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new SockgateError(
        "SG_ERR_STORE_SCHEMA",
        `migration list is not numbered 1..n: expected version ${i + 1} at index ${i}, received ${m.version} ("${m.name}")`,
      );
    }
  });
  const target = migrations.length;
  const run = db.transaction((): number => {
    const found = db.pragma("user_version", { simple: true }) as number;
    if (found > target) {
      throw new SockgateError(
        "SG_ERR_STORE_SCHEMA",
        `store schema is version ${found}, newer than this sockgate understands: expected at most ${target}, received ${found}; upgrade sockgate or restore an older store`,
      );
    }
    for (const m of migrations.slice(found)) {
      try {
        db.exec(m.sql);
      } catch (cause) {
        throw new SockgateError(
          "SG_ERR_STORE_SCHEMA",
          `migration ${m.version} ("${m.name}") failed, nothing was changed: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    db.pragma(`user_version = ${target}`);
    return found;
  });
  return run.immediate();
}
