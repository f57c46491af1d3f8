// One user floods the API with connections that send calls and never read the replies; the
// daemon must not compute them all, hold all the replies, or keep other users waiting.
// bob's flood runs in a process of bob's own (test-support/unread-flood.py).

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ApiRule } from "@sockgate/protocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiFixture } from "./test-support/api-fixture.js";
import type { ClientProcess } from "./test-support/client-process.js";

const FLOOD = fileURLToPath(new URL("./test-support/unread-flood.py", import.meta.url));
const CONNS = 32;
const CALLS = 60;
const MAX_UNREAD = 8 * 1024 * 1024;

const warnings: { message: string; fields: Record<string, unknown> }[] = [];
const log = { info() {}, error() {}, warn: (fields: object, message: string) => warnings.push({ message, fields: fields as Record<string, unknown> }) };

const fx = new ApiFixture();
let alice: ClientProcess;
let flood: ChildProcess | undefined;
let listed = 0;

beforeAll(async () => {
  await fx.setup({ maxConnectionsPerUid: 64, maxUnreadBytesPerUid: MAX_UNREAD, log });
  // About 1 MB per ListRules reply of bob's.
  for (let i = 0; i < 900; i++) {
    const rule: ApiRule = { schemaVersion: 1, id: `bob-${i}`, owner: { kind: "user", uid: fx.bob.uid }, action: "deny", duration: { kind: "forever" }, match: { remotePort: [10000 + i] }, note: "N".repeat(1000) };
    fx.backend.putRule(rule);
  }
  const list = fx.backend.listRules.bind(fx.backend);
  fx.backend.listRules = (peer, owners) => (peer.uid === fx.bob.uid && listed++, list(peer, owners));
  alice = await fx.client(fx.alice);
}, 60_000);

afterAll(async () => {
  flood?.kill("SIGKILL");
  await fx.close();
}, 60_000);

/** Resolves once `read()` has not changed for `quietMs`. */
async function settled(read: () => number, quietMs = 1000, maxMs = 20_000): Promise<number> {
  const start = Date.now();
  let last = read();
  let since = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = read();
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since >= quietMs) return now;
  }
  return read();
}

describe("a user whose connections never read their replies", () => {
  it("gets few of their calls computed, their unread replies bounded, and nobody else kept waiting", async () => {
    flood = spawn("setpriv", [`--reuid=${fx.bob.name}`, `--regid=${fx.bob.gid}`, "--clear-groups", "/usr/bin/python3", FLOOD, fx.socketPath, String(CONNS), String(CALLS)], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { PATH: "/usr/bin:/bin" },
    });
    const lines = createInterface({ input: flood.stdout! })[Symbol.asyncIterator]();
    expect(JSON.parse(String((await lines.next()).value))).toEqual({ sent: CONNS });

    // Served while the flood is in: alice's calls go on being answered.
    for (let i = 0; i < 5; i++) expect((await alice.call("Status")).ok).toMatchObject({ api: { interface: "io.sockgate.v1" } });

    const computed = await settled(() => listed);
    // A connection stops taking turns once one 1 MB reply is unread: of 32 × 60 calls, about
    // one per connection runs. Handled as they came, every one of the 1,920 was computed.
    expect(computed).toBeGreaterThan(0);
    expect(computed).toBeLessThanOrEqual(CONNS * 2);
    // bob's unread replies passed MAX_UNREAD: the connections that passed it were closed.
    const cut = warnings.filter((w) => w.message === "api: client does not read its replies; disconnecting it" && w.fields.uid === fx.bob.uid);
    expect(cut.length).toBeGreaterThan(0);
    for (const w of cut) expect(w.fields.userUnread).toBeLessThan(MAX_UNREAD + 2 * 1024 * 1024);
    expect((await alice.call("ListRules")).ok).toMatchObject({ rules: [] });
  }, 60_000);
});
