import type { ApiPrompt } from "@sockgate/protocol/client";
import { describe, expect, it } from "vitest";
import type { Peer } from "./backend.js";
import type { CallContext } from "./call-context.js";
import { answerPrompt } from "./handle-prompts.js";
import type { AnswerCheck, AskerTree } from "./process-tree.js";
import { MemoryBackend } from "./test-support/memory-backend.js";

const TUI = "/usr/lib/sockgate/tui";
const answer = { action: "deny", scope: "any", duration: "once" } as const;
const prompt = { id: "p", uid: 1000, app: { pid: 50, startTime: 7 } } as ApiPrompt;
const unrelated: AnswerCheck = { allowed: true, relation: "unrelated", sentence: "" };

function context(peer: Partial<Peer>, options: { answerExecutables?: string[]; check?: AnswerCheck; present?: boolean; tree?: AskerTree } = {}) {
  const backend = new MemoryBackend();
  backend.prompts.set("p", prompt);
  const asked: unknown[] = [];
  const ctx: CallContext = {
    peer: { uid: 1000, gid: 1000, pid: 60, groups: [], admin: false, connectionId: 1, exe: TUI, exeVerified: true, startTime: 1, confined: false, ...peer },
    backend,
    run: undefined,
    answerExecutables: options.answerExecutables,
    checkAnswerer: (input) => (asked.push(input), options.check ?? unrelated),
    askerTree: (id) => (id === "p" ? options.tree : undefined),
    peerPresent: () => options.present ?? true,
    apiStatus: () => ({ interface: "io.sockgate.v1", connections: 0, promptSubscribers: 0 }),
  };
  return { ctx, backend, asked };
}

describe("answerPrompt", () => {
  it("asks the process-tree check about the prompt's process and the answering one, and refuses what it refuses", async () => {
    const { ctx, backend, asked } = context({}, { check: { allowed: false, relation: "ancestor", sentence: "process 60 started the asking process 50" } });
    await expect(answerPrompt(ctx, { promptId: "p", answer })).rejects.toMatchObject({ code: "io.sockgate.PermissionDenied", message: "process 60 started the asking process 50", parameters: { relation: "ancestor" } });
    expect(asked).toEqual([{ askerPid: 50, askerStartTime: 7, answererPid: 60 }]);
    expect(backend.answers).toEqual([]);
  });

  it("passes the asker's tree recorded when the prompt was raised", async () => {
    const tree: AskerTree = { pid: 50, startTime: 7, session: 40, ancestors: [{ pid: 40, startTime: 3 }] };
    const { ctx, asked } = context({}, { tree });
    await answerPrompt(ctx, { promptId: "p", answer });
    expect(asked).toEqual([{ askerPid: 50, askerStartTime: 7, askerTree: tree, answererPid: 60 }]);
  });

  it("with answerExecutables, only those executables answer, and only when the kernel confirmed the executable", async () => {
    const only = { answerExecutables: [TUI] };
    await expect(answerPrompt(context({ exe: "/usr/bin/python3" }, only).ctx, { promptId: "p", answer })).rejects.toMatchObject({ code: "io.sockgate.PermissionDenied", message: expect.stringMatching(/answered only by \/usr\/lib\/sockgate\/tui; this client is \/usr\/bin\/python3/) });
    await expect(answerPrompt(context({ exeVerified: false }, only).ctx, { promptId: "p", answer })).rejects.toMatchObject({ code: "io.sockgate.PermissionDenied" });
    await expect(answerPrompt(context({ exe: null }, only).ctx, { promptId: "p", answer })).rejects.toMatchObject({ code: "io.sockgate.PermissionDenied" });
    const ok = context({}, only);
    expect((await answerPrompt(ok.ctx, { promptId: "p", answer })).outcome).toMatchObject({ promptId: "p", action: "deny" });
    expect(ok.backend.answers.map((a) => [a.peer.pid, a.peer.exe])).toEqual([[60, TUI]]);
  });

  it("a connection whose opening process has exited cannot answer, before any tree check", async () => {
    const { ctx, backend, asked } = context({}, { present: false });
    await expect(answerPrompt(ctx, { promptId: "p", answer })).rejects.toMatchObject({ code: "io.sockgate.PermissionDenied", message: expect.stringMatching(/process 60, which opened this connection, has exited/), parameters: { relation: "connector-gone" } });
    expect(asked).toEqual([]);
    expect(backend.answers).toEqual([]);
  });

  it("another user's prompt is NotFound", async () => {
    await expect(answerPrompt(context({ uid: 1001 }).ctx, { promptId: "p", answer })).rejects.toMatchObject({ code: "io.sockgate.NotFound" });
  });
});
