import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import type { NewHistoryEntry } from "./history-repo.js";
import { MIGRATIONS } from "./migrations.js";
import { applyMigrations } from "./migrations.js";
import { openStore } from "./open-store.js";

const tempDir = useTempDirs();
const T = Date.UTC(2026, 10, 27, 12);
const entry = (i: number, at: number): NewHistoryEntry => ({ at, uid: 1000, exe: "/usr/bin/curl", op: "connect", proto: "tcp", verdict: "allow", reason: "rule", host: `h${i}` });

describe("history paging and sequence numbers", () => {
  // Many connections share a millisecond: a cursor on `at` alone skips the rest of the
  // millisecond a page ended in.
  it("paging with the (at, seq) cursor reaches every row exactly once", () => {
    const store = openStore({ path: join(tempDir(), "h.db"), validateRule: parseTestRule, clock: () => T });
    store.history.append(Array.from({ length: 25 }, (_, i) => entry(i, T - Math.floor(i / 10))));
    const seen: string[] = [];
    let page = store.history.query({ limit: 4 });
    // Bounded: a cursor that does not move must fail the test, not hang it.
    for (let pages = 0; page.length > 0 && pages < 20; pages++) {
      seen.push(...page.map((e) => e.host!));
      page = store.history.query({ limit: 4, before: page.at(-1)! });
    }
    expect(seen.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `h${i}`).sort());
    expect(new Set(seen).size).toBe(25);
    store.close();
  });

  it("seq never restarts, not after pruning emptied the table, not after a reopen", () => {
    let now = T;
    const path = join(tempDir(), "h.db");
    const open = () => openStore({ path, validateRule: parseTestRule, clock: () => now, retention: { maxAgeMs: 60_000 } });
    const store = open();
    store.history.append([entry(0, now), entry(1, now)]);
    const top = Math.max(...store.history.query().map((e) => e.seq));
    now += 120_000;
    expect(store.history.prune().byAge).toBe(2);
    store.close();
    const again = open();
    again.history.append(entry(2, now));
    expect(again.history.query()[0]!.seq).toBeGreaterThan(top);
    again.close();
  });

  it("the migration to version 2 keeps every row and its seq", () => {
    const path = join(tempDir(), "h.db");
    const db = new Database(path);
    applyMigrations(db, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO history (seq, at, uid, exe, op, proto, verdict, reason) VALUES (41, 1, 1000, '/x', 'connect', 'tcp', 'allow', 'r')").run();
    db.close();
    const store = openStore({ path, validateRule: parseTestRule, clock: () => 2, retention: { maxAgeMs: 10 } });
    expect(store.migratedFrom).toBe(1);
    expect(store.history.query().map((e) => e.seq)).toEqual([41]);
    store.history.append(entry(0, 2));
    expect(store.history.query().map((e) => e.seq)).toEqual([42, 41]);
    store.close();
  });
});
