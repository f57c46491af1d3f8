// Prompt methods. A prompt is visible only to the user whose process asks (another user's
// prompt id answers NotFound), and answerable only from outside the asking process's tree
// and, when configured, only by the installed UI's executable.

import { ApiError } from "@sockgate/protocol/client";
import type { ApiPrompt } from "@sockgate/protocol/client";
import { requireUnconfined } from "./authorise.js";
import type { CallContext, Handler } from "./call-context.js";

async function ownPrompt(ctx: CallContext, promptId: string): Promise<ApiPrompt> {
  const prompt = await ctx.backend.getPrompt(promptId);
  if (prompt === undefined || prompt.uid !== ctx.peer.uid) {
    throw new ApiError("io.sockgate.NotFound", `no pending prompt ${JSON.stringify(promptId)} for uid ${ctx.peer.uid} (answered, timed out, or never raised)`);
  }
  return prompt;
}

function requireAnswerer(ctx: CallContext, prompt: ApiPrompt): void {
  const { peer } = ctx;
  requireUnconfined(peer, "answer prompts");
  const allowed = ctx.answerExecutables;
  if (allowed !== undefined && !(peer.exeVerified && peer.exe !== null && allowed.includes(peer.exe))) {
    throw new ApiError("io.sockgate.PermissionDenied", `prompts are answered only by ${allowed.join(", ")}; this client is ${peer.exe ?? "an unknown executable"}`);
  }
  if (!ctx.peerPresent()) {
    // The tree check asks about the connecting pid; a connection handed on by a process that
    // then exited would pass it as "unrelated" whoever holds it now.
    throw new ApiError("io.sockgate.PermissionDenied", `process ${peer.pid}, which opened this connection, has exited; prompts are answered only over a connection whose opening process still runs`, { relation: "connector-gone" });
  }
  const askerTree = ctx.askerTree(prompt.id);
  const check = ctx.checkAnswerer({ askerPid: prompt.app.pid, askerStartTime: prompt.app.startTime, ...(askerTree !== undefined ? { askerTree } : {}), answererPid: peer.pid });
  if (!check.allowed) throw new ApiError("io.sockgate.PermissionDenied", check.sentence, { relation: check.relation });
}

export const listPrompts: Handler<"ListPrompts"> = async (ctx) => {
  const prompts = await ctx.backend.pendingPrompts(ctx.peer.uid);
  return { prompts: prompts.filter((p) => p.uid === ctx.peer.uid) };
};

export const previewAnswer: Handler<"PreviewAnswer"> = async (ctx, p) => {
  const prompt = await ownPrompt(ctx, p.promptId);
  return { rules: await ctx.backend.previewAnswer(ctx.peer, prompt, p.answer) };
};

export const answerPrompt: Handler<"AnswerPrompt"> = async (ctx, p) => {
  const prompt = await ownPrompt(ctx, p.promptId);
  requireAnswerer(ctx, prompt);
  return { outcome: await ctx.backend.answerPrompt(ctx.peer, prompt, p.answer) };
};
