import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connect } from "./client.js";
import { ApiError } from "./errors.js";
import { LineReader, encodeLine } from "./framing.js";
import { CallError, decodeCall, errorReply } from "./messages.js";
import type { DecodedCall } from "./messages.js";
import type { Reply, SubscriptionEvent } from "./types-methods.js";
import { PROMPT, RULE_ENTRY } from "./test-fixtures.js";

// A stand-in daemon: decodes calls as the real one does, answers Hello, and hands every
// other call to the test's `answer`, which replies through `send` (or not at all).
type Answer = (call: DecodedCall, send: (reply: Reply) => void, socket: Socket) => void;

const HELLO = { interface: "io.sockgate.v1", server: { name: "fake", version: "0" }, peer: { uid: 1000, gid: 1000, pid: 1, groups: [], admin: false }, limits: { maxMessageBytes: 4096 } };

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

async function fakeDaemon(answer: Answer): Promise<{ path: string; calls: DecodedCall[]; server: Server }> {
  const dir = mkdtempSync(join(tmpdir(), "sockgate-client-test-"));
  const path = join(dir, "api.sock");
  const calls: DecodedCall[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const reader = new LineReader(1 << 20);
    const send = (r: Reply): void => void socket.write(encodeLine(r));
    socket.on("data", (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (!("line" in frame)) continue;
        try {
          const call = decodeCall(frame.line);
          calls.push(call);
          if (call.method === "Hello") send({ id: call.id, parameters: HELLO });
          else answer(call, send, socket);
        } catch (err) {
          if (err instanceof CallError) send(errorReply(err.callId, err));
          else throw err;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, calls, server };
}

describe("connect", () => {
  it("says Hello with the versions and client name, and keeps the daemon's answer", async () => {
    const d = await fakeDaemon(() => {});
    const client = await connect({ socketPath: d.path, client: { name: "test", version: "1" } });
    expect(client.hello).toEqual(HELLO);
    expect(d.calls[0]).toMatchObject({ method: "Hello", parameters: { versions: ["io.sockgate.v1"], client: { name: "test", version: "1" } } });
    client.close();
    await client.closed;
  });

  it("rejects with DaemonUnavailable when nothing listens", async () => {
    await expect(connect({ socketPath: join(tmpdir(), "sockgate-no-such-dir", "api.sock") })).rejects.toMatchObject({
      code: "io.sockgate.DaemonUnavailable",
      message: expect.stringMatching(/ENOENT: is sockgated running\?/),
    });
  });

  it("rejects with VersionUnsupported, listing what the daemon speaks, when it speaks none of the client's versions", async () => {
    const d = await fakeDaemon(() => {});
    const err: unknown = await connect({ socketPath: d.path, versions: ["io.sockgate.v9"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "io.sockgate.VersionUnsupported", parameters: { supported: ["io.sockgate.v1"] } });
  });
});

describe("calls", () => {
  it("resolves each promise with its own reply, whatever order the replies come in", async () => {
    const held: [DecodedCall, (r: Reply) => void][] = [];
    const d = await fakeDaemon((call, send) => {
      held.push([call, send]);
      if (held.length < 2) return;
      for (const [c, s] of held.reverse()) s({ id: c.id, parameters: { rule: { ...RULE_ENTRY, rule: { ...RULE_ENTRY.rule, id: c.parameters.id as string } } } });
    });
    const client = await connect({ socketPath: d.path });
    const [a, b] = await Promise.all([client.getRule("a"), client.getRule("b")]);
    expect([a.rule.id, b.rule.id]).toEqual(["a", "b"]);
    client.close();
  });

  it("rejects with the daemon's named error, message and parameters", async () => {
    const d = await fakeDaemon((call, send) => send(errorReply(call.id, new ApiError("io.sockgate.NotFound", "no rule r-9", { id: "r-9" }))));
    const client = await connect({ socketPath: d.path });
    const err = await client.deleteRule("r-9").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "io.sockgate.NotFound", message: "no rule r-9", parameters: { id: "r-9" }, exitCode: 1 });
    client.close();
  });

  it("refuses bad parameters itself, sending nothing", async () => {
    const d = await fakeDaemon(() => {});
    const client = await connect({ socketPath: d.path });
    await expect(client.answerPrompt("p-1", { action: "allow", scope: "galaxy" as "any", duration: "once" })).rejects.toMatchObject({
      code: "io.sockgate.InvalidParameter",
      parameters: { field: "parameters.answer.scope" },
    });
    await expect(client.addRule({ note: "x".repeat(5000) })).rejects.toMatchObject({ code: "io.sockgate.MessageTooLarge" });
    expect(d.calls.map((c) => c.method)).toEqual(["Hello"]);
    client.close();
  });

  it("fails a reply that does not follow the schema with InvalidReply, and drops the connection", async () => {
    const d = await fakeDaemon((call, send) => send({ id: call.id, parameters: { rules: [{ enabled: "yes" }] } }));
    const client = await connect({ socketPath: d.path });
    await expect(client.listRules()).rejects.toMatchObject({ code: "io.sockgate.InvalidReply", message: expect.stringMatching(/^ListRules: .*parameters.rules\[0\].rule: missing/) });
    await client.closed;
    await expect(client.status()).rejects.toMatchObject({ code: "io.sockgate.InvalidReply" });
  });

  it("fails calls in progress with Disconnected when the daemon goes away", async () => {
    const d = await fakeDaemon((_call, _send, socket) => socket.destroy());
    const client = await connect({ socketPath: d.path });
    await expect(client.status()).rejects.toMatchObject({ code: "io.sockgate.Disconnected" });
    await client.closed;
    await expect(client.status()).rejects.toMatchObject({ code: "io.sockgate.Disconnected" });
  });
});

describe("subscribe", () => {
  const event = (e: SubscriptionEvent): Record<string, unknown> => ({ event: e });

  it("yields the events in order; breaking out of the loop sends Cancel for that call", async () => {
    const d = await fakeDaemon((call, send) => {
      if (call.method === "Subscribe") {
        send({ id: call.id, parameters: event({ type: "subscribed", topics: ["prompts"] }), continues: true });
        send({ id: call.id, parameters: event({ type: "prompt", prompt: PROMPT }), continues: true });
      } else if (call.method === "Cancel") {
        send({ id: call.parameters.call as number, parameters: event({ type: "ended", reason: "cancelled" }) });
        send({ id: call.id, parameters: {} });
      }
    });
    const client = await connect({ socketPath: d.path });
    const sub = client.subscribe(["prompts"]);
    const seen: string[] = [];
    for await (const e of sub) {
      seen.push(e.type);
      if (e.type === "prompt") break;
    }
    expect(seen).toEqual(["subscribed", "prompt"]);
    const sent = d.calls.map((c) => [c.method, c.parameters, c.more]);
    expect(sent).toEqual([
      ["Hello", expect.anything(), false],
      ["Subscribe", { topics: ["prompts"] }, true],
      ["Cancel", { call: sub.id }, false],
    ]);
    client.close();
  });

  it("ends after the daemon's last reply", async () => {
    const d = await fakeDaemon((call, send) => send({ id: call.id, parameters: event({ type: "ended", reason: "shutdown" }) }));
    const client = await connect({ socketPath: d.path });
    const events: SubscriptionEvent[] = [];
    for await (const e of client.subscribe(["activity"])) events.push(e);
    expect(events).toEqual([{ type: "ended", reason: "shutdown" }]);
    client.close();
  });

  it("throws Disconnected from the loop when the connection ends mid-stream", async () => {
    const d = await fakeDaemon((call, send, socket) => {
      send({ id: call.id, parameters: event({ type: "subscribed", topics: ["prompts"] }), continues: true });
      setImmediate(() => socket.destroy());
    });
    const client = await connect({ socketPath: d.path });
    const seen: string[] = [];
    const loop = (async () => {
      for await (const e of client.subscribe(["prompts"])) seen.push(e.type);
    })();
    await expect(loop).rejects.toMatchObject({ code: "io.sockgate.Disconnected" });
    expect(seen).toEqual(["subscribed"]);
  });
});
