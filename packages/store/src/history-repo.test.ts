import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { parseTestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import type { NewHistoryEntry, RetentionPolicy } from "./history-repo.js";
import { openStore } from "./open-store.js";

const tempDir = useTempDirs();
const MINUTE = 60_000;

function entry(i: number, extra: Partial<NewHistoryEntry> = {}): NewHistoryEntry {
  return { uid: 1000 + (i % 2), exe: `/usr/bin/app${i % 3}`, op: "connect", proto: "tcp", remoteAddr: `192.0.2.${i % 250}`, remotePort: 443, verdict: i % 4 === 0 ? "deny" : "allow", reason: "rule", ...extra };
}

function withClock(retention: Partial<RetentionPolicy>) {
  let now = Date.UTC(2026, 10, 27, 12);
  const store = openStore({ path: join(tempDir(), "history.db"), validateRule: parseTestRule, retention, clock: () => now });
  return { store, advance: (ms: number) => (now += ms), now: () => now };
}

describe("history", () => {
  it("appends a batch and queries it newest first, with filters", () => {
    const { store, advance } = withClock({});
    for (let i = 0; i < 20; i++) {
      store.history.append(entry(i));
      advance(1000);
    }
    const all = store.history.query();
    expect(all).toHaveLength(20);
    expect(all.map((e) => e.at)).toEqual([...all.map((e) => e.at)].sort((a, b) => b - a));
    expect(all[0]).toMatchObject({ uid: 1001, exe: "/usr/bin/app1", remoteAddr: "192.0.2.19", remotePort: 443, localPort: null, host: null, ruleId: null });
    expect(store.history.query({ uid: 1000 }).every((e) => e.uid === 1000)).toBe(true);
    expect(store.history.query({ uid: 1000 })).toHaveLength(10);
    expect(store.history.query({ verdict: "deny" })).toHaveLength(5);
    expect(store.history.query({ exe: "/usr/bin/app0", uid: 1000 }).map((e) => e.remoteAddr)).toEqual(["192.0.2.18", "192.0.2.12", "192.0.2.6", "192.0.2.0"]);
    const page = store.history.query({ limit: 5 });
    expect(page).toHaveLength(5);
    const next = store.history.query({ limit: 5, until: page[4]!.at });
    expect(next[0]!.at).toBeLessThan(page[4]!.at);
    expect(store.history.query({ since: all[2]!.at })).toHaveLength(3);
    store.close();
  });

  it("keeps at most maxRows, dropping the oldest, on every append batch", () => {
    const { store, advance } = withClock({ maxRows: 10 });
    let seen = 0;
    for (const size of [4, 4, 4, 7, 1]) {
      const batch = Array.from({ length: size }, (_, k) => entry(seen + k, { host: `h${seen + k}` }));
      const { appended, pruned } = store.history.append(batch);
      seen += size;
      expect(appended).toBe(size);
      expect(pruned.byRows).toBe(Math.max(0, seen - 10) - Math.max(0, seen - size - 10));
      advance(1);
    }
    const kept = store.history.query();
    expect(kept.map((e) => e.host)).toEqual(Array.from({ length: 10 }, (_, k) => `h${seen - 1 - k}`));
    store.close();
  });

  it("drops entries older than maxAgeMs, on append and on prune()", () => {
    const { store, advance, now } = withClock({ maxAgeMs: 10 * MINUTE });
    store.history.append([entry(0, { host: "old" }), entry(1, { host: "old" })]);
    advance(6 * MINUTE);
    store.history.append(entry(2, { host: "middle" }));
    advance(5 * MINUTE);
    // 11 minutes after the first two: this append prunes them.
    expect(store.history.append(entry(3, { host: "new" })).pruned).toEqual({ byAge: 2, byRows: 0 });
    expect(store.history.query().map((e) => e.host)).toEqual(["new", "middle"]);
    advance(5 * MINUTE);
    // "middle" is now exactly 10 minutes old: kept until it is older than maxAgeMs.
    expect(store.history.prune()).toEqual({ byAge: 0, byRows: 0 });
    advance(1);
    expect(store.history.prune()).toEqual({ byAge: 1, byRows: 0 });
    expect(store.history.query().map((e) => e.host)).toEqual(["new"]);
    // An entry already too old when appended never stays.
    expect(store.history.append(entry(4, { at: now() - 11 * MINUTE })).pruned.byAge).toBe(1);
    expect(store.history.query()).toHaveLength(1);
    store.close();
  });

  it("rejects a malformed entry by field and index, writing none of the batch", () => {
    const { store } = withClock({});
    let message = "";
    try {
      store.history.append([entry(0), entry(1, { remotePort: 70000 }), entry(2)]);
    } catch (err) {
      if (!isSockgateError(err, "SG_ERR_BAD_VALUE")) throw err;
      message = err.message;
    }
    expect(message).toBe("history[1].remotePort: expected a port 0..65535 or null, received 70000");
    expect(store.history.query()).toEqual([]);
    expect(() => store.history.query({ limit: 0 })).toThrow(/history query limit: expected an integer 1..100000, received 0/);
    store.close();
  });
});
