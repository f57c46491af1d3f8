// sockgate log: history (what was decided), newest last; --follow then streams activity.

import type { Command } from "commander";
import type { ActivityEntry, HistoryQuery } from "@sockgate/protocol/client";
import { destinationShort } from "../format/destination.js";
import { parseSpan } from "../format/time.js";
import { action } from "./action.js";
import { withClient } from "./connect.js";
import { CliError } from "./exit-codes.js";

export function logLine(e: ActivityEntry): string {
  const when = new Date(e.at).toISOString().replace("T", " ").slice(0, 19);
  const dest = destinationShort(e.host, e.remoteAddr, e.remotePort ?? e.localPort);
  const count = e.count !== undefined && e.count > 1 ? ` ×${e.count}` : "";
  return `${when} ${e.verdict.padEnd(5)} uid ${e.uid} ${e.exe} ${e.op}/${e.proto} ${dest} ${e.ruleId ?? "-"} (${e.reason})${count}`;
}

export interface LogOptions {
  follow?: boolean;
  exe?: string;
  host?: string;
  verdict?: string;
  since?: string;
  limit?: string;
  uid?: string;
}

export function historyQuery(o: LogOptions, now = Date.now()): HistoryQuery {
  const q: HistoryQuery = {};
  if (o.exe !== undefined) q.exe = o.exe;
  if (o.host !== undefined) q.host = o.host;
  if (o.verdict !== undefined) q.verdict = o.verdict;
  if (o.uid !== undefined) q.uid = Number(o.uid);
  if (o.since !== undefined) {
    const span = parseSpan(o.since);
    if (span === undefined) throw new CliError(`--since: expected a span like 30s, 15m, 2h, 7d; got ${JSON.stringify(o.since)}`);
    q.since = now - span;
  }
  q.limit = o.limit === undefined ? 100 : Number(o.limit);
  if (!Number.isInteger(q.limit) || q.limit < 1) throw new CliError(`--limit: expected a whole number >= 1, got ${JSON.stringify(o.limit)}`);
  return q;
}

function followMatches(o: LogOptions, e: ActivityEntry): boolean {
  return (o.exe === undefined || e.exe === o.exe) && (o.host === undefined || e.host === o.host) && (o.verdict === undefined || e.verdict === o.verdict) && (o.uid === undefined || e.uid === Number(o.uid));
}

export function registerLog(program: Command): void {
  program
    .command("log")
    .description("what was decided (history), oldest first; --follow then prints activity as it happens")
    .option("-f, --follow", "keep printing activity as it happens (JSON lines with --json)")
    .option("--exe <path>", "only this executable")
    .option("--host <host>", "only this host name")
    .option("--verdict <verdict>", "allow or deny")
    .option("--since <span>", "only the last 30s, 15m, 2h, 7d")
    .option("--limit <n>", "at most this many history entries (default 100)")
    .option("--uid <uid>", "another user's (admins)")
    .action(
      action(async (g, out, opts: LogOptions) => {
        const query = historyQuery(opts);
        await withClient(g, async (c) => {
          const entries = (await c.queryHistory(query)).reverse();
          if (!opts.follow) {
            out.result(entries, () => entries.map(logLine).join("\n"));
            return;
          }
          for (const e of entries) out.event(e, () => logLine(e));
          for await (const e of c.subscribe(["activity"])) {
            if (e.type === "activity" && followMatches(opts, e.activity)) out.event(e.activity, () => logLine(e.activity));
            else if (e.type === "lagged") out.event(e, () => `(${e.dropped} lines dropped: reading too slowly)`);
            else if (e.type === "ended") break;
          }
        });
      }),
    );
}
