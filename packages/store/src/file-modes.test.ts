import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTestRule } from "../test/test-rule.js";
import { useTempDirs } from "../test/temp-dir.js";
import { openStore } from "./open-store.js";

// The store holds every user's rules and history: no other account may read any of its
// files, whatever the umask of the process that created them.

const tempDir = useTempDirs();
const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);

describe("store files", () => {
  it("are created 0600: database, WAL and shared memory", () => {
    const old = process.umask(0o022);
    try {
      const path = join(tempDir(), "store.db");
      const store = openStore({ path, validateRule: parseTestRule });
      store.rules.put({ id: "r", owner: { kind: "system" }, action: "deny" });
      store.history.append({ uid: 1000, exe: "/usr/bin/curl", op: "connect", proto: "tcp", verdict: "allow", reason: "rule" });
      expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual(["600", "600", "600"]);
      store.close();
    } finally {
      process.umask(old);
    }
  });

  it("tightens an existing database left world-readable", () => {
    const path = join(tempDir(), "store.db");
    openStore({ path, validateRule: parseTestRule }).close();
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, "");
    chmodSync(`${path}-wal`, 0o666);
    const store = openStore({ path, validateRule: parseTestRule });
    expect([mode(path), mode(`${path}-wal`)]).toEqual(["600", "600"]);
    store.close();
  });
});
