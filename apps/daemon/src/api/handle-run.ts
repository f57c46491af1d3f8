// `sockgate run`'s one-reply method; its session (Supervise) streams, so the connection
// runs it (connection.ts).

import { ApiError } from "@sockgate/protocol/client";
import type { Handler } from "./call-context.js";
import type { RunBackend } from "./run-backend.js";

export function runOf(run: RunBackend | undefined): RunBackend {
  if (run === undefined) throw new ApiError("io.sockgate.Unavailable", "this daemon does not supervise sockgate run sessions (it runs without the kernel shim's hold)");
  return run;
}

export const decideCall: Handler<"DecideCall"> = async (ctx, p) => ({ verdict: await runOf(ctx.run).decideCall(ctx.peer, p.call) });
