import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { parseTestRule } from "../test/test-rule.js";
import type { TestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import { EXPORT_FORMAT, EXPORT_VERSION } from "./import-export.js";
import { openStore } from "./open-store.js";

const tempDir = useTempDirs();
const alice = { kind: "user", uid: 1000 } as const;
const bob = { kind: "user", uid: 1001 } as const;
const system = { kind: "system" } as const;

function fresh(name = "s.db") {
  return openStore({ path: join(tempDir(), name), validateRule: parseTestRule, clock: () => Date.UTC(2026, 10, 27) });
}

function importError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isSockgateError(err, "SG_ERR_STORE_IMPORT")) return err.message;
    throw err;
  }
  throw new Error("expected SG_ERR_STORE_IMPORT, nothing was thrown");
}

const doc = (rules: unknown[]) => JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: "2026-11-27T00:00:00.000Z", rules });

const sample: TestRule[] = [
  { id: "a-curl", owner: alice, action: "allow", exe: "/usr/bin/curl", note: "ünïcode ✓ \"quoted\"\n" },
  { id: "b-nc", owner: bob, action: "deny", exe: "/usr/bin/nc", version: 3 },
  { id: "s-telemetry", owner: system, action: "deny" },
];

describe("export and import", () => {
  it("round-trips every rule exactly", () => {
    const src = fresh("src.db");
    for (const r of sample) src.rules.put(r);
    const text = src.exportJson();
    expect(JSON.parse(text)).toEqual({ format: "sockgate-rules", version: 1, exportedAt: "2026-11-27T00:00:00.000Z", rules: sample });

    const dst = fresh("dst.db");
    expect(dst.importJson(text)).toEqual({ imported: 3, removed: 0 });
    expect(dst.rules.list()).toEqual(src.rules.list());
    expect(dst.exportJson()).toBe(text);
    expect(JSON.parse(src.exportJson(alice)).rules).toEqual([sample[0]]);
    src.close();
    dst.close();
  });

  it("rejects a bad rule naming its index, id and field, and writes nothing", () => {
    const store = fresh();
    store.rules.put({ id: "keep", owner: alice, action: "allow", note: "before" });
    const text = doc([
      { id: "keep", owner: alice, action: "deny", note: "overwritten?" },
      { id: "new-1", owner: system, action: "deny" },
      { id: "new-2", owner: bob, action: "sometimes" },
      { id: "new-3", owner: bob, action: "allow" },
    ]);
    expect(importError(() => store.importJson(text))).toBe(
      'import: rules[2] (id "new-2"): /action: expected allow, deny or ask, received "sometimes"; nothing was written',
    );
    expect(importError(() => store.importJson(text, { mode: "replace" }))).toMatch(/^import: rules\[2\]/);
    expect(importError(() => store.importJson(doc([{ id: "x", owner: system, action: "deny", colour: "red" }])))).toBe(
      'import: rules[0] (id "x"): /colour: expected no such field, received "red"; nothing was written',
    );
    expect(store.rules.list()).toEqual([{ id: "keep", owner: alice, action: "allow", note: "before" }]);
    store.close();
  });

  it("is atomic when a write fails halfway (owner conflict in the last rule)", () => {
    const store = fresh();
    store.rules.put({ id: "mine", owner: alice, action: "allow" });
    const text = doc([
      { id: "other", owner: bob, action: "deny" },
      { id: "mine", owner: bob, action: "deny" },
    ]);
    expect(importError(() => store.importJson(text))).toBe(
      'import: rules[1]: rule id "mine" is taken by a rule of another owner; expected an id that is free or the writer\'s own; nothing was written',
    );
    expect(store.rules.list()).toEqual([{ id: "mine", owner: alice, action: "allow" }]);
    store.close();
  });

  it("rejects documents that are not a current export", () => {
    const store = fresh();
    expect(importError(() => store.importJson("{ rules: [] }"))).toMatch(/^import: expected JSON text, received text that does not parse \(/);
    expect(importError(() => store.importJson("[]"))).toBe("import: expected an object, received []; nothing was written");
    expect(importError(() => store.importJson(JSON.stringify({ format: "other", version: 1, rules: [] })))).toBe(
      'import: format: expected "sockgate-rules", received "other"; nothing was written',
    );
    expect(importError(() => store.importJson(JSON.stringify({ format: EXPORT_FORMAT, version: 2, rules: [] })))).toBe(
      "import: version: expected an integer 1..1 (this sockgate reads up to 1), received 2; nothing was written",
    );
    expect(importError(() => store.importJson(JSON.stringify({ format: EXPORT_FORMAT, version: 1, rules: {} })))).toBe(
      "import: rules: expected an array, received {}; nothing was written",
    );
    expect(importError(() => store.importJson(doc([sample[2], sample[1], sample[2]])))).toBe(
      'import: rules[2].id: expected ids to be unique, received "s-telemetry" again (first at rules[0]); nothing was written',
    );
    expect(store.rules.list()).toEqual([]);
    store.close();
  });

  it("replace swaps the whole set, or one owner's set when scoped", () => {
    const store = fresh();
    for (const r of sample) store.rules.put(r);
    const alicesNew = [{ id: "a-ssh", owner: alice, action: "allow" }];
    expect(store.importJson(doc(alicesNew), { mode: "replace", owner: alice })).toEqual({ imported: 1, removed: 1 });
    expect(store.rules.list().map((r) => r.id)).toEqual(["a-ssh", "b-nc", "s-telemetry"]);
    expect(importError(() => store.importJson(doc([sample[1]]), { owner: alice }))).toBe(
      "import: rules[0].owner: expected user 1000, received user 1001; nothing was written",
    );
    expect(store.importJson(doc([sample[2]]), { mode: "replace" })).toEqual({ imported: 1, removed: 3 });
    expect(store.rules.list()).toEqual([sample[2]]);
    store.close();
  });
});
