// Migration 3: what the daemon keeps beside a rule (enabled) and in history (aggregate
// counts, the process, who answered a prompt), and the host filter the API offers.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import { MIGRATIONS } from "./migrations.js";
import { applyMigrations } from "./migrations.js";
import { openStore } from "./open-store.js";

const tempDir = useTempDirs();
const alice = { kind: "user", uid: 1000 } as const;

describe("rule enabled flag", () => {
  it("a rule starts enabled, can be disabled by its owner only, keeps its flag across a put and a reopen", () => {
    const path = join(tempDir(), "s.db");
    const store = openStore({ path, validateRule: parseTestRule });
    store.rules.put({ id: "r1", owner: alice, action: "allow" });
    expect(store.rules.disabledIds()).toEqual([]);
    expect(store.rules.setEnabled("r1", { kind: "user", uid: 1001 }, false)).toBe(false);
    expect(store.rules.setEnabled("r1", alice, false)).toBe(true);
    store.rules.put({ id: "r1", owner: alice, action: "deny" });
    expect(store.rules.disabledIds()).toEqual(["r1"]);
    store.close();
    const again = openStore({ path, validateRule: parseTestRule });
    expect(again.rules.disabledIds()).toEqual(["r1"]);
    expect(again.rules.setEnabled("r1", alice, true)).toBe(true);
    expect(again.rules.disabledIds()).toEqual([]);
    expect(again.rules.setEnabled("nope", alice, true)).toBe(false);
    again.close();
  });
});

describe("history: count, pid, answerer, host filter", () => {
  it("stores and returns them, defaulting count to 1 and the rest to null", () => {
    const store = openStore({ path: join(tempDir(), "h.db"), validateRule: parseTestRule });
    const base = { uid: 1000, exe: "/usr/bin/curl", op: "connect", proto: "tcp", verdict: "allow", reason: "rule" };
    store.history.append([
      { ...base, at: Date.now() - 1, host: "a.example", count: 250, reason: "kernel counters" },
      { ...base, at: Date.now(), host: "b.example", pid: 4242, answererPid: 77, answererExe: "/usr/bin/sockgate" },
    ]);
    expect(store.history.query({ host: "a.example" })).toMatchObject([{ count: 250, pid: null, answererPid: null, answererExe: null }]);
    expect(store.history.query({ host: "b.example" })).toMatchObject([{ count: 1, pid: 4242, answererPid: 77, answererExe: "/usr/bin/sockgate" }]);
    expect(() => store.history.append({ ...base, count: 0 })).toThrow(/count: expected a positive integer, received 0/);
    expect(() => store.history.append({ ...base, answererPid: -1 })).toThrow(/answererPid: expected a pid or null/);
    store.close();
  });

  it("a version-2 file keeps its rows (count 1, enabled) after migrating", () => {
    const path = join(tempDir(), "v2.db");
    const db = new Database(path);
    applyMigrations(db, MIGRATIONS.slice(0, 2));
    db.prepare("INSERT INTO rules (id, owner_kind, owner_uid, body, updated_at) VALUES ('r', 'user', 1000, ?, 0)").run(JSON.stringify({ id: "r", owner: alice, action: "allow" }));
    db.prepare("INSERT INTO history (at, uid, exe, op, proto, verdict, reason) VALUES (?, 1000, '/x', 'connect', 'tcp', 'deny', 'old')").run(Date.now());
    db.close();
    const store = openStore({ path, validateRule: parseTestRule });
    expect(store.migratedFrom).toBe(2);
    expect(store.rules.disabledIds()).toEqual([]);
    expect(store.history.query()).toMatchObject([{ count: 1, reason: "old", pid: null }]);
    store.close();
  });
});
