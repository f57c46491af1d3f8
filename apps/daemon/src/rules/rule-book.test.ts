import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createEngine } from "@sockgate/decision-engine";
import { openStore } from "@sockgate/store";
import { afterEach, describe, expect, it } from "vitest";
import { openRuleBook } from "./rule-book.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const alice = { kind: "user", uid: 1000 } as const;
const rule = (id: string, extra: object = {}) => ({ schemaVersion: 1, id, owner: alice, action: "allow", duration: { kind: "forever" }, match: { exe: "/usr/bin/curl" }, ...extra });

function open(path?: string) {
  const dir = mkdtempSync(join(tmpdir(), "sg-book-"));
  dirs.push(dir);
  const store = openStore({ path: path ?? join(dir, "s.db") });
  const engine = createEngine({ bootId: "b" });
  const book = openRuleBook(store, engine, pino({ level: "silent" }));
  return { store, engine, book, path: path ?? join(dir, "s.db") };
}

describe("rule book", () => {
  it("a put is in the store and the engine; a disabled rule stays in the store only, and comes back when enabled", () => {
    const { store, engine, book } = open();
    book.put(rule("r1"));
    expect(engine.rules.get("r1")).toBeDefined();
    book.setEnabled("r1", false);
    expect(engine.rules.get("r1")).toBeUndefined();
    expect(store.rules.get("r1")).toBeDefined();
    expect(book.get("r1")).toMatchObject({ enabled: false });
    book.put(rule("r1", { action: "deny" }));
    expect(engine.rules.get("r1"), "an update keeps it disabled").toBeUndefined();
    book.setEnabled("r1", true);
    expect(engine.rules.get("r1")).toMatchObject({ action: "deny" });
    expect(book.remove("r1")).toBe(true);
    expect(store.rules.get("r1")).toBeUndefined();
    expect(engine.rules.get("r1")).toBeUndefined();
  });

  it("the engine's own changes (an answer's rules, an expiry) reach the store before anyone is told", () => {
    const { store, engine, book } = open();
    const seen: string[] = [];
    engine.on("rules", (c) => c.upserted.forEach((r) => seen.push(`${r.id}:${store.rules.get(r.id) !== undefined}`)));
    const request = { operation: "connect", protocol: "tcp", family: "ipv4", remote: { address: "192.0.2.1", port: 443 }, app: { exePath: "/usr/bin/curl", exeDev: 1, exeIno: 2, exePathVerified: true, uid: 1000, pid: 5, startTime: 6 } } as const;
    const { promptId } = engine.prompts.raise(request);
    const outcome = engine.prompts.answer(promptId, 1000, { action: "allow", scope: "host", duration: "forever" });
    const id = outcome.rules[0]!.id;
    expect(store.rules.get(id)).toMatchObject({ owner: alice, match: { remoteAddress: ["192.0.2.1"] } });
    expect(seen).toContain(`${id}:true`);
    book.stop();
  });

  it("a reopened store gives the engine the same enabled rules", () => {
    const first = open();
    first.book.put(rule("keep"));
    first.book.put(rule("off"), false);
    first.store.close();
    const again = open(first.path);
    expect(again.engine.rules.list().map((r) => r.id)).toEqual(["keep"]);
    expect(again.book.list("all").map((e) => [e.rule.id, e.enabled])).toEqual([["keep", true], ["off", false]]);
  });
});
