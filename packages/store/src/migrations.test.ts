import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { parseTestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import { APPLICATION_ID, applyMigrations, MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
import type { Migration } from "./migrations.js";
import { openStore } from "./open-store.js";

const tempDir = useTempDirs();

function header(path: string): { userVersion: unknown; appId: unknown; journal: unknown; tables: unknown[] } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      userVersion: db.pragma("user_version", { simple: true }),
      appId: db.pragma("application_id", { simple: true }),
      journal: db.pragma("journal_mode", { simple: true }),
      tables: db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all(),
    };
  } finally {
    db.close();
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isSockgateError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return undefined;
}

describe("migrations", () => {
  it("are numbered 1..n", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("create the schema in an empty file, and a reopen changes nothing", () => {
    const path = join(tempDir(), "store.db");
    const first = openStore({ path, validateRule: parseTestRule });
    expect(first.migratedFrom).toBe(0);
    first.rules.put({ id: "r1", owner: { kind: "system" }, action: "deny" });
    first.close();
    expect(header(path)).toEqual({ userVersion: SCHEMA_VERSION, appId: APPLICATION_ID, journal: "wal", tables: ["history", "rules", "sqlite_sequence"] });

    for (let i = 0; i < 2; i++) {
      const again = openStore({ path, validateRule: parseTestRule });
      expect(again.migratedFrom).toBe(SCHEMA_VERSION);
      expect(again.rules.list()).toEqual([{ id: "r1", owner: { kind: "system" }, action: "deny" }]);
      again.close();
    }
    expect(header(path).userVersion).toBe(SCHEMA_VERSION);
  });

  it("roll back every step when one migration fails", () => {
    const db = new Database(join(tempDir(), "raw.db"));
    const broken: Migration[] = [
      { version: 1, name: "good", sql: "CREATE TABLE a (x INTEGER)" },
      { version: 2, name: "bad", sql: "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1)" },
    ];
    expect(codeOf(() => applyMigrations(db, broken))).toMatch(/^SG_ERR_STORE_SCHEMA: migration 2 \("bad"\) failed, nothing was changed: no such table: nowhere/);
    expect(db.pragma("user_version", { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get()).toBe(0);
    expect(applyMigrations(db, broken.slice(0, 1))).toBe(0);
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    db.close();
  });

  it("refuse a list with a gap", () => {
    const db = new Database(":memory:");
    expect(codeOf(() => applyMigrations(db, [{ version: 2, name: "skips one", sql: "" }]))).toMatch(
      /^SG_ERR_STORE_SCHEMA: .*expected version 1 at index 0, received 2/,
    );
    db.close();
  });

  it("refuse a store written by a newer sockgate, leaving it untouched", () => {
    const path = join(tempDir(), "future.db");
    openStore({ path, validateRule: parseTestRule }).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(codeOf(() => openStore({ path, validateRule: parseTestRule }))).toBe(
      `SG_ERR_STORE_SCHEMA: store schema is version ${SCHEMA_VERSION + 1}, newer than this sockgate understands: expected at most ${SCHEMA_VERSION}, received ${SCHEMA_VERSION + 1}; upgrade sockgate or restore an older store`,
    );
    expect(header(path).userVersion).toBe(SCHEMA_VERSION + 1);
  });
});

describe("openStore refuses", () => {
  it("somebody else's database", () => {
    const path = join(tempDir(), "other.db");
    const db = new Database(path);
    db.exec("CREATE TABLE mine (x INTEGER)");
    db.close();
    expect(codeOf(() => openStore({ path, validateRule: parseTestRule }))).toMatch(
      /^SG_ERR_STORE_OPEN: .*expected an empty file or a sockgate store, received a database with 1 unrelated schema objects/,
    );
    expect(header(path).tables).toEqual(["mine"]);
  });

  it("a file that is not a database", () => {
    const path = join(tempDir(), "junk.db");
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    expect(codeOf(() => openStore({ path, validateRule: parseTestRule }))).toMatch(
      /^SG_ERR_STORE_OPEN: .*expected an SQLite database, received a file SQLite cannot read: file is not a database/,
    );
  });

  it("a directory that does not exist", () => {
    const path = join(tempDir(), "missing", "store.db");
    expect(codeOf(() => openStore({ path, validateRule: parseTestRule }))).toMatch(/^SG_ERR_STORE_OPEN: .*SQLite could not open the file/);
  });

  it("bad options, naming the option", () => {
    const path = join(tempDir(), "s.db");
    expect(codeOf(() => openStore({ path: ":memory:", validateRule: parseTestRule }))).toMatch(/path: expected a file path, received ":memory:"/);
    expect(codeOf(() => openStore({ path, validateRule: "strict" as never }))).toMatch(/validateRule: expected a function or nothing, received string/);
    expect(codeOf(() => openStore({ path, validateRule: parseTestRule, retention: { maxRows: 0 } }))).toMatch(
      /^SG_ERR_STORE_OPEN: retention.maxRows: expected a positive integer, received 0/,
    );
  });
});
