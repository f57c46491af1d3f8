import { createEngine, FakeClock } from "@sockgate/decision-engine";
import type { Request } from "@sockgate/protocol";
import { describe, expect, it } from "vitest";
import { governedScope } from "../scope/governed.js";
import { engineDecide } from "./engine-decide.js";

const request = (uid: number, port: number): Request => ({
  operation: "connect",
  protocol: "tcp",
  family: "ipv4",
  remote: { address: "192.0.2.10", port },
  app: { exePath: "/usr/bin/curl", exeDev: 8, exeIno: 42, exePathVerified: true, uid, pid: 4242, startTime: 1 },
});

function setup(listening: boolean) {
  const clock = new FakeClock(1_000_000);
  const engine = createEngine({ bootId: "b", clock, prompts: { timeoutMs: 5000 } });
  const asked: Array<[string, boolean]> = [];
  const scope = governedScope({ users: [1000], cgroups: [] }, [], { min: 1000, max: 60000 });
  const decide = engineDecide({ engine, scope: () => scope, listening: () => listening, nobodyListening: () => "deny", tagOf: () => 7, onAsked: (_r, id, l) => asked.push([id, l]) });
  return { engine, clock, decide, asked };
}

describe("engineDecide", () => {
  it("a rule answers synchronously, with its tag, for this flow only", () => {
    const { engine, decide } = setup(true);
    engine.rules.upsert({ schemaVersion: 1, id: "r", owner: { kind: "user", uid: 1000 }, action: "allow", duration: { kind: "forever" }, match: { exe: "/usr/bin/curl" } });
    const v = decide(request(1000, 443));
    expect(v).toMatchObject({ action: "allow", tag: 7, cache: { scope: "flow" } });
  });

  it("no rule, a UI listening: the prompt's answer is the verdict, and the answer's rule decides the next question without asking", async () => {
    const { engine, decide, asked } = setup(true);
    const v = decide(request(1000, 443));
    expect(v).toBeInstanceOf(Promise);
    const [prompt] = engine.prompts.pending(1000);
    engine.prompts.answer(prompt!.id, 1000, { action: "allow", scope: "host-port", duration: "forever" });
    await expect(v).resolves.toMatchObject({ action: "allow" });
    expect(decide(request(1000, 443))).toMatchObject({ action: "allow" });
    expect(asked).toHaveLength(1);
  });

  it("nobody listening: the configured answer at once, the prompt kept for review until its deadline", () => {
    const { engine, clock, decide, asked } = setup(false);
    expect(decide(request(1000, 443))).toMatchObject({ action: "deny", reason: expect.stringContaining("waits for review") });
    expect(engine.prompts.pending(1000)).toHaveLength(1);
    expect(asked[0]![1]).toBe(false);
    clock.advance(5000);
    expect(engine.prompts.pending(1000)).toHaveLength(0);
  });

  it("while a rule names a sha256, the executable (/proc/PID/exe) is hashed, once, and the rule matches by it", async () => {
    const { engine, decide } = setup(true);
    const { createHash } = await import("node:crypto");
    const { readFileSync } = await import("node:fs");
    const sha = createHash("sha256").update(readFileSync(process.execPath)).digest("hex");
    engine.rules.upsert({ schemaVersion: 1, id: "h", owner: { kind: "user", uid: 1000 }, action: "deny", duration: { kind: "forever" }, match: { sha256: sha } });
    const me = { ...request(1000, 443), app: { ...request(1000, 443).app, pid: process.pid } };
    const first = decide(me);
    expect(first).toBeInstanceOf(Promise);
    await expect(first).resolves.toMatchObject({ action: "deny" });
    expect(decide(me), "cached: answered at once").toMatchObject({ action: "deny" });
  });

  it("an ungoverned process is allowed without asking", () => {
    const { engine, decide } = setup(true);
    expect(decide(request(0, 443))).toMatchObject({ action: "allow", reason: expect.stringContaining("not governed") });
    expect(engine.prompts.pending(0)).toEqual([]);
  });
});
