// sockgate status: what the daemon says about itself (sockgated's Status method).

import type { Command } from "commander";
import type { Status } from "@sockgate/protocol/client";
import { dateTime } from "../format/time.js";
import { action } from "./action.js";
import { withClient } from "./connect.js";

export function statusText(s: Status): string {
  const lines = [`daemon    sockgated ${s.daemon.version}, pid ${s.daemon.pid}, running since ${dateTime(s.daemon.startedAt)}`];
  lines.push(`api       ${s.api.interface}, ${s.api.connections} connections, ${s.api.promptSubscribers} UIs answering prompts`);
  if (s.prompts) lines.push(`prompts   ${s.prompts.pending} waiting`);
  if (s.flows) lines.push(`flows     ${s.flows.pending} held, ${s.flows.queueDrops} queue drops`);
  if (s.governed) lines.push(`governed  users: ${s.governed.users}; cgroups: ${s.governed.cgroups.join(", ") || "none"}`, ...(s.governed.notes ?? []).map((n) => `          ${n}`));
  if (s.failure) lines.push(`failures  ${Object.entries(s.failure).map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  if (s.maps) lines.push(`maps      ${Object.entries(s.maps).map(([k, v]) => `${k} ${v.used}/${v.capacity}`).join(", ")}`);
  if (s.kernelFeatures) lines.push(`kernel    ${Object.entries(s.kernelFeatures).map(([k, v]) => `${k}${v ? "" : " (missing)"}`).join(", ")}`);
  return lines.join("\n");
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("the daemon's status: version, pid, prompts and flows waiting, governed scope, what applies on failure (exit 3: not running)")
    .action(
      action(async (g, out) => {
        const status = await withClient(g, (c) => c.status());
        out.result(status, () => statusText(status));
      }),
    );
}
