import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { parseTestRule } from "../test/test-rule.js";
import type { TestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import { openStore } from "./open-store.js";

const tempDir = useTempDirs();

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isSockgateError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error("expected a SockgateError, nothing was thrown");
}

const alice = { kind: "user", uid: 1000 } as const;
const bob = { kind: "user", uid: 1001 } as const;
const system = { kind: "system" } as const;

function fresh() {
  const path = join(tempDir(), "rules.db");
  return { path, store: openStore({ path, validateRule: parseTestRule }) };
}

describe("rules", () => {
  it("put, get, update and delete, surviving a reopen", () => {
    const { path, store } = fresh();
    const rule: TestRule = { id: "curl", owner: alice, action: "allow", exe: "/usr/bin/curl" };
    expect(store.rules.put(rule)).toEqual(rule);
    expect(store.rules.get("curl")).toEqual(rule);
    store.rules.put({ ...rule, action: "deny" });
    store.close();

    const again = openStore({ path, validateRule: parseTestRule });
    expect(again.rules.get("curl")).toEqual({ ...rule, action: "deny" });
    expect(again.rules.delete("curl", bob)).toBe(false);
    expect(again.rules.delete("curl", alice)).toBe(true);
    expect(again.rules.delete("curl", alice)).toBe(false);
    expect(again.rules.get("curl")).toBeUndefined();
    again.close();
  });

  it("list by owner: a user's list never shows another owner's rules", () => {
    const { store } = fresh();
    const owners = [alice, bob, system];
    for (let i = 0; i < 30; i++) {
      store.rules.put({ id: `r${String(i).padStart(2, "0")}`, owner: owners[i % 3]!, action: "ask" });
    }
    const ofAlice = store.rules.list(alice);
    const ofBob = store.rules.list(bob);
    const ofSystem = store.rules.list(system);
    expect(ofAlice).toHaveLength(10);
    expect(ofAlice.every((r) => r.owner.kind === "user" && r.owner.uid === 1000)).toBe(true);
    expect(ofBob.every((r) => r.owner.kind === "user" && r.owner.uid === 1001)).toBe(true);
    expect(ofSystem.every((r) => r.owner.kind === "system")).toBe(true);
    expect(store.rules.list({ kind: "user", uid: 0 })).toEqual([]);
    const all = store.rules.list();
    expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort());
    expect(all).toHaveLength(30);
    expect([...ofAlice, ...ofBob, ...ofSystem].map((r) => r.id).sort()).toEqual(all.map((r) => r.id));
    store.close();
  });

  it("refuse to move a rule id to another owner, keeping the first owner's rule", () => {
    const { store } = fresh();
    store.rules.put({ id: "ssh", owner: alice, action: "allow" });
    expect(errorOf(() => store.rules.put({ id: "ssh", owner: bob, action: "deny" }))).toBe(
      'SG_ERR_STORE_CONFLICT: rules.put: rule id "ssh" is taken by a rule of another owner; expected an id that is free or the writer\'s own',
    );
    expect(errorOf(() => store.rules.put({ id: "ssh", owner: system, action: "deny" }))).toMatch(/^SG_ERR_STORE_CONFLICT/);
    expect(store.rules.get("ssh")).toEqual({ id: "ssh", owner: alice, action: "allow" });
    store.close();
  });

  it("reject an invalid rule with the validator's field, writing nothing", () => {
    const { store } = fresh();
    expect(errorOf(() => store.rules.put({ id: "x", owner: alice, action: "maybe" } as never))).toBe(
      'SG_ERR_RULE_INVALID: /action: expected allow, deny or ask, received "maybe"',
    );
    expect(store.rules.list()).toEqual([]);
    store.close();
  });

  it("check id and owner itself, whatever a lax validator lets through", () => {
    const path = join(tempDir(), "rules.db");
    const lax = openStore({ path: `${path}.lax`, validateRule: (j) => j as TestRule });
    expect(errorOf(() => lax.rules.put({ id: "", owner: alice, action: "allow" }))).toBe(
      'SG_ERR_RULE_INVALID: rule.id: expected a string of 1..256 characters, received ""',
    );
    expect(errorOf(() => lax.rules.put({ id: "u", owner: { kind: "user", uid: -1 }, action: "allow" }))).toBe(
      "SG_ERR_RULE_INVALID: rule.owner.uid: expected an integer 0..4294967295, received -1",
    );
    expect(errorOf(() => lax.rules.put({ id: "u", owner: { kind: "group" } as never, action: "allow" }))).toMatch(
      /^SG_ERR_RULE_INVALID: rule.owner: expected .*received \{"kind":"group"\}/,
    );
    const throwing = openStore({ path: `${path}.throwing`, validateRule: (): TestRule => {
      throw new TypeError("boom");
    } });
    expect(errorOf(() => throwing.rules.put({ id: "u", owner: alice, action: "allow" }))).toBe("SG_ERR_RULE_INVALID: rule: boom");
    lax.close();
    throwing.close();
  });

  it("name the rule whose stored row no longer validates", () => {
    const { path, store } = fresh();
    store.rules.put({ id: "old", owner: system, action: "deny" });
    store.close();
    const db = new Database(path);
    db.prepare("UPDATE rules SET body = json_set(body, '$.action', 'block') WHERE id = 'old'").run();
    db.close();
    const again = openStore({ path, validateRule: parseTestRule });
    expect(errorOf(() => again.rules.get("old"))).toBe(
      'SG_ERR_STORE_IO: rule "old" on disk no longer validates: /action: expected allow, deny or ask, received "block"',
    );
    again.close();
  });

  it("refuse a bad owner filter and any use after close", () => {
    const { store } = fresh();
    expect(errorOf(() => store.rules.list({ kind: "user", uid: "1000" } as never))).toMatch(/^SG_ERR_BAD_VALUE: owner filter: expected/);
    store.close();
    store.close();
    expect(errorOf(() => store.rules.get("x"))).toMatch(/^SG_ERR_STORE_CLOSED: rules.get\("x"\): expected an open store, received one closed by close\(\)/);
    expect(errorOf(() => store.history.query())).toMatch(/^SG_ERR_STORE_CLOSED/);
  });
});
