// Status and history: the backend's answer, with the API's own section and the history
// narrowed to what the peer may see. Status counts other users' activity (held flows,
// per-hook counters, map usage, everyone's prompts): a user other than root or an admin
// sees the count of their own prompts only, and none of the global counters.

import type { Status } from "@sockgate/protocol/client";
import { canSeeHistoryOf, historyQuery } from "./authorise.js";
import type { CallContext, Handler } from "./call-context.js";

async function statusFor(ctx: CallContext): Promise<Omit<Status, "api">> {
  const full = await ctx.backend.status(ctx.peer);
  if (ctx.peer.admin) return full;
  const shared: Omit<Status, "api"> = { ...full };
  delete shared.flows;
  delete shared.maps;
  delete shared.counters;
  delete shared.prompts;
  if (full.prompts === undefined) return shared;
  const own = (await ctx.backend.pendingPrompts(ctx.peer.uid)).filter((p) => p.uid === ctx.peer.uid).length;
  return { ...shared, prompts: { pending: own } };
}

export const status: Handler<"Status"> = async (ctx) => ({ ...(await statusFor(ctx)), api: ctx.apiStatus() });

export const queryHistory: Handler<"QueryHistory"> = async (ctx, p) => {
  const entries = await ctx.backend.queryHistory(ctx.peer, historyQuery(ctx.peer, p));
  return { entries: entries.filter((e) => canSeeHistoryOf(ctx.peer, e.uid)) };
};
