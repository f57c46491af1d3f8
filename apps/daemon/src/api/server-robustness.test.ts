// Bad input from one user's process gets its named error, and the daemon goes on serving
// everyone else: bob sends malformed, oversized and wrongly versioned messages on raw
// connections while alice's typed client and subscription keep working.

import { existsSync } from "node:fs";
import type { ApiPrompt } from "@sockgate/protocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiFixture } from "./test-support/api-fixture.js";
import type { ClientProcess, EventTap } from "./test-support/client-process.js";

const MAX = 64 * 1024;
const logged: { level: string; message: string; fields: object }[] = [];
const log = {
  info: (fields: object, message: string) => logged.push({ level: "info", message, fields }),
  warn: (fields: object, message: string) => logged.push({ level: "warn", message, fields }),
  error: (fields: object, message: string) => logged.push({ level: "error", message, fields }),
};

const fx = new ApiFixture();
let alice: ClientProcess;
let aliceTap: EventTap;
let bob: ClientProcess;

const call = (id: number, method: string, parameters: object = {}, extra: object = {}): { text: string } => ({
  text: `${JSON.stringify({ id, method: `io.sockgate.${method}`, parameters, ...extra })}\n`,
});
const hello = (id: number, versions = ["io.sockgate.v1"]): { text: string } => call(id, "v1.Hello", { versions });

/** alice's client still answers, whatever bob did. */
async function aliceStillServed(): Promise<void> {
  expect((await alice.call("Status")).ok).toMatchObject({ api: { interface: "io.sockgate.v1" } });
}

beforeAll(async () => {
  await fx.setup({ maxMessageBytes: MAX, handshakeTimeoutMs: 1500, maxConnectionsPerUid: 4, log });
  [alice, bob] = await Promise.all([fx.client(fx.alice), fx.client(fx.bob)]);
  aliceTap = await alice.subscribe(["prompts"]);
}, 60_000);

afterAll(() => fx.close(), 60_000);

describe("bad messages get their named error; the connection and everyone else go on", () => {
  it("malformed JSON: InvalidMessage, then the same connection says Hello and works", async () => {
    const { replies } = await bob.raw([{ text: "{nope\n" }, { text: "[1,2]\n" }, hello(1), call(2, "v1.Status")], 4);
    expect(replies[0]).toMatchObject({ id: null, error: "io.sockgate.InvalidMessage", message: expect.stringMatching(/^the message is not JSON/) });
    expect(replies[1]).toMatchObject({ id: null, error: "io.sockgate.InvalidMessage" });
    expect(replies[2]).toMatchObject({ id: 1, parameters: { interface: "io.sockgate.v1", peer: { uid: fx.bob.uid } } });
    expect(replies[3]).toMatchObject({ id: 2, parameters: { daemon: { version: "test" } } });
    await aliceStillServed();
  });

  it("an oversized message: MessageTooLarge as soon as it passes the limit, skipped to its newline; the next message is read", async () => {
    const big = [{ text: `{"id":1,"method":"io.sockgate.v1.Hello","parameters":{"versions":["` }, { fill: "x", count: 4 * 1024 * 1024 }, { text: `"]}}\n` }];
    const { replies } = await bob.raw([...big, hello(2), call(3, "v1.Status")], 3, 10_000);
    expect(replies[0]).toEqual({ id: null, error: "io.sockgate.MessageTooLarge", message: expect.stringContaining(`${MAX} bytes`), parameters: { maxMessageBytes: MAX } });
    expect(replies.slice(1).map((r) => r.id)).toEqual([2, 3]);
    await aliceStillServed();
  });

  it("an unknown version: VersionUnsupported listing what is spoken; Hello with a known one still succeeds", async () => {
    const { replies } = await bob.raw([call(1, "v2.Hello", { versions: ["io.sockgate.v2"] }), hello(2, ["io.sockgate.v2", "io.sockgate.v3"]), hello(3, ["io.sockgate.v3", "io.sockgate.v1"])], 3);
    expect(replies[0]).toMatchObject({ id: 1, error: "io.sockgate.VersionUnsupported", parameters: { supported: ["io.sockgate.v1"] } });
    expect(replies[1]).toMatchObject({ id: 2, error: "io.sockgate.VersionUnsupported", message: "the client speaks io.sockgate.v2, io.sockgate.v3; this daemon speaks io.sockgate.v1" });
    expect(replies[2]).toMatchObject({ id: 3, parameters: { interface: "io.sockgate.v1" } });
    await aliceStillServed();
  });

  it("the typed client offering only an unknown version is refused at connect with VersionUnsupported", async () => {
    const c = await fx.client(fx.bob, { versions: ["io.sockgate.v9"] });
    expect(c.refusal).toMatchObject({ code: "io.sockgate.VersionUnsupported", parameters: { supported: ["io.sockgate.v1"] } });
    await c.exited;
  });

  it("calls before Hello, unknown methods, a second Hello, a wrong `more`, an unknown stream, a bad parameter", async () => {
    const { replies } = await bob.raw(
      [
        call(1, "v1.Status"),
        hello(2),
        call(3, "v1.Reboot"),
        hello(4),
        call(5, "v1.Status", {}, { more: true }),
        call(6, "v1.Cancel", { call: 99 }),
        call(7, "v1.GetRule", { id: 7 }),
      ],
      7,
    );
    expect(replies.map((r) => [r.id, r.error ?? "ok"])).toEqual([
      [1, "io.sockgate.HandshakeRequired"],
      [2, "ok"],
      [3, "io.sockgate.UnknownMethod"],
      [4, "io.sockgate.InvalidMessage"],
      [5, "io.sockgate.InvalidMessage"],
      [6, "io.sockgate.NotFound"],
      [7, "io.sockgate.InvalidParameter"],
    ]);
    expect(replies[6]).toMatchObject({ parameters: { field: "parameters.id" } });
    await aliceStillServed();
  });

  it("Subscribe streams with continues until Cancel, whose stream ends with a last reply", async () => {
    const { replies } = await bob.raw([hello(1), call(2, "v1.Subscribe", { topics: ["prompts"] }, { more: true }), call(3, "v1.Cancel", { call: 2 })], 4);
    expect(replies.slice(1)).toEqual([
      { id: 2, parameters: { event: { type: "subscribed", topics: ["prompts"] } }, continues: true },
      { id: 2, parameters: { event: { type: "ended", reason: "cancelled" } } },
      { id: 3, parameters: {} },
    ]);
  });

  it("a connection that never says Hello is told so and closed", async () => {
    const { replies, closed } = await bob.raw([], 2, 5000); // 2: read on until the daemon closes
    expect(replies).toEqual([{ id: null, error: "io.sockgate.HandshakeRequired", message: "no Hello within 1500 ms; closing" }]);
    expect(closed).toBe(true);
  });

  it("a user's connections past the limit are refused with LimitExceeded; others are not affected", async () => {
    const carol = await fx.client(fx.carol); // one connection of carol's
    const firsts = await carol.connections(5, 800);
    expect(firsts.filter((r) => r === null)).toHaveLength(3);
    expect(firsts.filter((r) => r !== null)).toEqual([0, 1].map(() => ({ id: null, error: "io.sockgate.LimitExceeded", message: expect.stringMatching(/has 4 connections open/) })));
    await aliceStillServed();
  });

  it("a backend reply that breaks the schema is answered InternalError and logged, not sent", async () => {
    const status = fx.backend.status;
    fx.backend.status = () => ({ daemon: { version: 7 } }) as unknown as ReturnType<typeof status>;
    try {
      expect((await bob.call("Status")).error).toEqual({ code: "io.sockgate.InternalError", message: "Status failed inside the daemon; its log says why", parameters: {} });
      expect(logged).toContainEqual({ level: "error", message: "api: a reply does not follow the schema", fields: expect.objectContaining({ method: "Status", problem: expect.stringMatching(/^parameters\.daemon/) }) });
    } finally {
      fx.backend.status = status;
    }
  });

  it("after all of it, alice's subscription still receives her prompt", async () => {
    const p: ApiPrompt = {
      id: "after",
      uid: fx.alice.uid,
      kind: "single",
      app: { exePath: "/usr/bin/curl", exeDev: 1, exeIno: 2, uid: fx.alice.uid, pid: 1 },
      operation: "connect",
      protocol: "tcp",
      destination: {},
      destinations: [{}],
      requests: 1,
      createdAt: 0,
      deadline: 1,
      timeoutAction: "deny",
    };
    fx.backend.raise(p);
    await aliceTap.next((e) => e.type === "prompt" && e.prompt.id === "after");
  });
});

describe("stop", () => {
  it("ends subscriptions with a last reply saying shutdown, and removes the socket", async () => {
    await fx.server!.stop();
    await aliceTap.next((e) => e.type === "ended" && e.reason === "shutdown");
    expect(existsSync(fx.socketPath)).toBe(false);
  });
});
