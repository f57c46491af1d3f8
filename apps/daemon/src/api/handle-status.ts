// Status and history: the backend's answer, with the API's own section and the history
// narrowed to what the peer may see.

import { canSeeHistoryOf, historyQuery } from "./authorise.js";
import type { Handler } from "./call-context.js";

export const status: Handler<"Status"> = async (ctx) => ({ ...(await ctx.backend.status(ctx.peer)), api: ctx.apiStatus() });

export const queryHistory: Handler<"QueryHistory"> = async (ctx, p) => {
  const entries = await ctx.backend.queryHistory(ctx.peer, historyQuery(ctx.peer, p));
  return { entries: entries.filter((e) => canSeeHistoryOf(ctx.peer, e.uid)) };
};
