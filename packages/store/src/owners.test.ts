import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { parseTestRule } from "../test/test-rule.js";
import type { TestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import type { SkippedRule } from "./rules-repo.js";
import { openStore } from "./open-store.js";

// One user's rule must never reach another user: not by deleting it, not through an
// error message, not by making the rules of everyone else fail to load.

const tempDir = useTempDirs();
const alice = { kind: "user", uid: 1000 } as const;
const bob = { kind: "user", uid: 1001 } as const;
const system = { kind: "system" } as const;

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isSockgateError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("nothing was thrown");
}

function fresh(onSkippedRule?: (s: SkippedRule) => void) {
  const path = join(tempDir(), "rules.db");
  return { path, store: openStore({ path, validateRule: parseTestRule, ...(onSkippedRule ? { onSkippedRule } : {}) }) };
}

describe("owners", () => {
  it("delete removes a rule only for its owner", () => {
    const { store } = fresh();
    store.rules.put({ id: "ssh", owner: alice, action: "allow" });
    store.rules.put({ id: "no-telemetry", owner: system, action: "deny" });
    expect(store.rules.delete("ssh", bob)).toBe(false);
    expect(store.rules.delete("no-telemetry", alice)).toBe(false);
    expect(store.forUser(1001).rules.delete("ssh")).toBe(false);
    expect(store.rules.list().map((r) => r.id)).toEqual(["no-telemetry", "ssh"]);
    expect(store.forUser(1000).rules.delete("ssh")).toBe(true);
    store.close();
  });

  it("a conflict error does not reveal whose the rule is, nor what it holds", () => {
    const { store } = fresh();
    store.rules.put({ id: "ssh", owner: alice, action: "allow", exe: "/home/alice/secret-tool", note: "alice's" });
    const err = errorOf(() => store.forUser(1001).rules.put({ id: "ssh", owner: bob, action: "deny" }));
    expect(err.code).toBe("SG_ERR_STORE_CONFLICT");
    expect(err.message).not.toMatch(/1000|alice|secret|allow|user /);
    store.close();
  });

  it("a user's view reads, writes and lists that user's rules and history only", () => {
    const { store } = fresh();
    store.rules.put({ id: "a", owner: alice, action: "allow" });
    store.rules.put({ id: "b", owner: bob, action: "allow" });
    store.rules.put({ id: "s", owner: system, action: "deny" });
    store.history.append([
      { uid: 1000, exe: "/a", op: "connect", proto: "tcp", verdict: "allow", reason: "rule" },
      { uid: 1001, exe: "/b", op: "connect", proto: "tcp", verdict: "allow", reason: "rule" },
    ]);
    const mine = store.forUser(1000);
    expect(mine.rules.list().map((r) => r.id)).toEqual(["a"]);
    expect([mine.rules.get("a")?.id, mine.rules.get("b"), mine.rules.get("s")]).toEqual(["a", undefined, undefined]);
    expect(errorOf(() => mine.rules.put({ id: "x", owner: bob, action: "allow" })).code).toBe("SG_ERR_STORE_FORBIDDEN");
    expect(errorOf(() => mine.rules.put({ id: "x", owner: system, action: "allow" })).code).toBe("SG_ERR_STORE_FORBIDDEN");
    expect(mine.history.query({ uid: 1001 } as never).map((e) => e.exe)).toEqual(["/a"]);
    expect(JSON.parse(mine.exportJson()).rules.map((r: TestRule) => r.id)).toEqual(["a"]);
    expect(errorOf(() => mine.importJson(JSON.stringify({ format: "sockgate-rules", version: 1, exportedAt: "", rules: [{ id: "y", owner: bob, action: "deny" }] }))).code).toBe("SG_ERR_STORE_IMPORT");
    expect(mine.importJson(JSON.stringify({ format: "sockgate-rules", version: 1, exportedAt: "", rules: [{ id: "c", owner: alice, action: "deny" }] }), { mode: "replace" })).toEqual({ imported: 1, removed: 1 });
    expect(store.rules.list().map((r) => r.id)).toEqual(["b", "c", "s"]);
    store.close();
  });

  it("a stored rule that no longer validates is skipped and reported; the rest, system denies included, still load", () => {
    const skipped: SkippedRule[] = [];
    const { path, store } = fresh((s) => skipped.push(s));
    store.rules.put({ id: "alice-broken", owner: alice, action: "allow" });
    store.rules.put({ id: "no-telemetry", owner: system, action: "deny" });
    store.rules.put({ id: "bob-ok", owner: bob, action: "allow" });
    const db = new Database(path);
    db.prepare("UPDATE rules SET body = json_set(body, '$.action', 'block') WHERE id = 'alice-broken'").run();
    db.close();
    expect(store.rules.list().map((r) => r.id)).toEqual(["bob-ok", "no-telemetry"]);
    expect(store.rules.list({ kind: "system" }).map((r) => r.id)).toEqual(["no-telemetry"]);
    expect(skipped.map((s) => [s.id, s.owner, s.error.code])).toEqual([["alice-broken", alice, "SG_ERR_STORE_IO"]]);
    expect(skipped[0]!.error.message).toMatch(/rule "alice-broken" on disk no longer validates/);
    store.close();
  });
});
