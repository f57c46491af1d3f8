import type { ApiPrompt } from "@sockgate/protocol/client";
import { describe, expect, it } from "vitest";
import type { Peer } from "./backend.js";
import type { CallContext } from "./call-context.js";
import { status } from "./handle-status.js";
import { MemoryBackend } from "./test-support/memory-backend.js";

const full = {
  daemon: { version: "t", pid: 1, startedAt: 0 },
  prompts: { pending: 3 },
  flows: { pending: 5, queueDrops: 1 },
  maps: { verdicts: { used: 9, capacity: 100 } },
  counters: { connect4: { runs: 40, held: 3 } },
  failure: { promptTimeout: "deny" as const },
  kernelFeatures: { hold: true },
};

function context(admin: boolean, uid = 1000): CallContext {
  const backend = new MemoryBackend();
  backend.status = () => full;
  for (const [id, owner] of [["a1", 1000], ["a2", 1000], ["b1", 1001]] as const) backend.prompts.set(id, { id, uid: owner } as ApiPrompt);
  return {
    peer: { uid, gid: uid, pid: 60, groups: [], admin, connectionId: 1, exe: null, exeVerified: false, startTime: 1, confined: false } as Peer,
    backend,
    run: undefined,
    answerExecutables: undefined,
    checkAnswerer: () => ({ allowed: true, relation: "unrelated", sentence: "" }),
    askerTree: () => undefined,
    peerPresent: () => true,
    apiStatus: () => ({ interface: "io.sockgate.v1", connections: 0, promptSubscribers: 0 }),
  };
}

describe("Status", () => {
  it("for an admin (or root): everything, everyone's prompts and the kernel's counters", async () => {
    expect(await status(context(true), {})).toEqual({ ...full, api: expect.any(Object) });
  });

  it("for anyone else: their own prompts only, no per-hook counters, held flows or map usage", async () => {
    const s = await status(context(false), {});
    expect(s.prompts).toEqual({ pending: 2 });
    expect(s).not.toHaveProperty("counters");
    expect(s).not.toHaveProperty("maps");
    expect(s).not.toHaveProperty("flows");
    expect(s).toMatchObject({ daemon: full.daemon, failure: full.failure, kernelFeatures: full.kernelFeatures });
    expect((await status(context(false, 1001), {})).prompts).toEqual({ pending: 1 });
    expect((await status(context(false, 1002), {})).prompts).toEqual({ pending: 0 });
  });
});
