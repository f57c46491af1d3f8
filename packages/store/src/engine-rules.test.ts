import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Rule } from "@sockgate/decision-engine";
import { isSockgateError } from "@sockgate/protocol";
import { useTempDirs } from "../test/temp-dir.js";
import { openStore } from "./open-store.js";

// The store with its default validator: the decision-engine's parseRule (rule schema v1).

const tempDir = useTempDirs();

const curl: Rule = {
  schemaVersion: 1,
  id: "curl-example",
  owner: { kind: "user", uid: 1000 },
  action: "allow",
  priority: 10,
  duration: { kind: "forever" },
  match: { exe: "/usr/bin/curl", remoteHost: ["*.example.org"], remotePort: [443, { from: 8000, to: 8100 }] },
};
const telemetry: Rule = {
  schemaVersion: 1,
  id: "no-telemetry",
  owner: { kind: "system" },
  action: "deny",
  duration: { kind: "minutes", minutes: 30 },
  createdAt: Date.UTC(2026, 10, 27),
  match: { remoteAddress: ["203.0.113.0/24", "2001:db8::/32"], protocol: ["tcp", "udp"] },
  note: "blocks the vendor's collector",
};

describe("store with the decision-engine's rules", () => {
  it("stores, lists and round-trips real rules", () => {
    const src = openStore({ path: join(tempDir(), "a.db") });
    src.rules.put(curl);
    src.rules.put(telemetry);
    expect(src.rules.list({ kind: "user", uid: 1000 })).toEqual([curl]);
    expect(src.rules.list({ kind: "system" })).toEqual([telemetry]);
    const dst = openStore({ path: join(tempDir(), "b.db") });
    expect(dst.importJson(src.exportJson())).toEqual({ imported: 2, removed: 0 });
    expect(dst.rules.list()).toEqual([telemetry, curl].sort((a, b) => a.id.localeCompare(b.id)));
    src.close();
    dst.close();
  });

  it("rejects what parseRule rejects, naming the field, and imports nothing", () => {
    const store = openStore({ path: join(tempDir(), "c.db") });
    const badPort = { ...curl, id: "bad-port", match: { remotePort: [{ from: 9000, to: 80 }] } };
    let message = "";
    try {
      store.importJson(JSON.stringify({ format: "sockgate-rules", version: 1, exportedAt: "", rules: [telemetry, badPort] }));
    } catch (err) {
      if (!isSockgateError(err, "SG_ERR_STORE_IMPORT")) throw err;
      message = err.message;
    }
    expect(message).toMatch(/^import: rules\[1\]: rule "bad-port" is invalid: field match\.remotePort\[0\]: expected a range .*; nothing was written$/);
    expect(store.rules.list()).toEqual([]);
    expect(() => store.rules.put({ ...curl, action: "permit" } as unknown as Rule)).toThrow(/action/);
    store.close();
  });
});
