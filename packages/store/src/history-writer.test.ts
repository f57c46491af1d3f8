import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isSockgateError } from "@sockgate/protocol";
import { parseTestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import { openHistoryWriter } from "./history-writer.js";
import { openStore } from "./open-store.js";

const tempDir = useTempDirs();
const DIST_HISTORY = fileURLToPath(new URL("../dist/history.js", import.meta.url));

describe("@sockgate/store/history: the history table alone", () => {
  it("writes rows openStore reads back, in a file set up as openStore sets it up (0600, WAL, migrated)", () => {
    const path = join(tempDir(), "store.db");
    const w = openHistoryWriter({ path, retention: { maxRows: 100 } });
    w.history.append([{ uid: 1000, exe: "/usr/bin/curl", op: "connect", proto: "tcp", remoteAddr: "192.0.2.1", remotePort: 443, verdict: "allow", reason: "rule r1" }]);
    w.close();
    w.close(); // twice is harmless
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const store = openStore({ path, validateRule: parseTestRule });
    expect(store.migratedFrom, "the writer migrated the new file already").toBeGreaterThan(0);
    expect(store.history.query()).toMatchObject([{ uid: 1000, exe: "/usr/bin/curl", remoteAddr: "192.0.2.1", verdict: "allow" }]);
    store.close();
  });

  it("refuses what openStore refuses, naming it", () => {
    const bad = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        if (isSockgateError(err)) return `${err.code}: ${err.message}`;
        throw err;
      }
      return "no error";
    };
    expect(bad(() => openHistoryWriter({ path: ":memory:" }))).toMatch(/^SG_ERR_STORE_OPEN: .*path: expected a file path/);
    expect(bad(() => openHistoryWriter({ path: join(tempDir(), "x.db"), busyTimeoutMs: -1 }))).toMatch(/busyTimeoutMs: expected a non-negative integer/);
    expect(bad(() => openHistoryWriter({ path: join(tempDir(), "x.db"), retention: { maxRows: 0 } }))).toMatch(/maxRows/);
  });

  it("loads no rule code: importing the built entry leaves the decision engine unloaded", () => {
    // the point of the entry (the daemon's history worker thread): every module it loads is listed
    const probe = `
      import { registerHooks } from "node:module";
      const loaded = [];
      registerHooks({ load(url, ctx, next) { loaded.push(url); return next(url, ctx); } });
      await import(${JSON.stringify(DIST_HISTORY)});
      console.log(JSON.stringify(loaded));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const loaded = JSON.parse(r.stdout) as string[];
    expect(loaded.some((u) => u.includes("better-sqlite3")), "it does open SQLite").toBe(true);
    expect(loaded.filter((u) => u.includes("decision-engine") || u.includes("tldts") || u.includes("/ajv/"))).toEqual([]);
  });
});
