// Live activity: a bounded ring of the newest lines, filters, pause and scroll. Lines arrive
// in batches (the link gathers them), so at the daemon's full rate the work per line is a push.

import type { ActivityEntry } from "@sockgate/protocol/client";
import { destinationShort } from "../format/destination.js";
import type { ActivityLine, ActivityState, VerdictFilter } from "./types.js";
import { VERDICT_FILTERS } from "./types.js";

export function addActivity(a: ActivityState, entries: readonly ActivityEntry[]): ActivityState {
  if (entries.length === 0) return a;
  let seq = a.total;
  const fresh: ActivityLine[] = entries.map((e) => ({ ...e, seq: ++seq }));
  const all = a.lines.length + fresh.length > a.capacity ? [...a.lines, ...fresh].slice(-a.capacity) : [...a.lines, ...fresh];
  // Scrolled back or paused: the lines on screen stay where they are.
  const matching = a.scroll > 0 && a.pausedAt === undefined ? fresh.filter((l) => matches(a, l)).length : 0;
  return { ...a, lines: all, total: seq, scroll: a.scroll + matching };
}

export function verdictMatches(filter: VerdictFilter, verdict: string): boolean {
  if (filter === "all") return true;
  if (filter === "held") return verdict !== "allow" && verdict !== "deny";
  return verdict === filter;
}

/** True when the line passes the verdict filter and contains the filter text (program, host, address, rule, reason). */
export function matches(a: Pick<ActivityState, "verdict" | "text">, l: ActivityEntry): boolean {
  if (!verdictMatches(a.verdict, l.verdict)) return false;
  if (a.text === "") return true;
  const needle = a.text.toLowerCase();
  const hay = `${l.exe} ${destinationShort(l.host, l.remoteAddr, l.remotePort)} ${l.remoteAddr ?? ""} ${l.op} ${l.proto} ${l.ruleId ?? ""} ${l.reason}`.toLowerCase();
  return hay.includes(needle);
}

/** The `count` lines to show, oldest first, and how many match in all. */
export function visibleLines(a: ActivityState, count: number): { lines: ActivityLine[]; matching: number } {
  const out: ActivityLine[] = [];
  let matching = 0;
  let skip = a.scroll;
  for (let i = a.lines.length - 1; i >= 0; i--) {
    const l = a.lines[i]!;
    if (a.pausedAt !== undefined && l.seq > a.pausedAt) continue;
    if (!matches(a, l)) continue;
    matching++;
    if (skip > 0) {
      skip--;
      continue;
    }
    if (out.length < count) out.push(l);
  }
  return { lines: out.reverse(), matching };
}

export function cycleVerdict(a: ActivityState): ActivityState {
  const i = VERDICT_FILTERS.indexOf(a.verdict);
  return { ...a, verdict: VERDICT_FILTERS[(i + 1) % VERDICT_FILTERS.length]!, scroll: 0 };
}

export function togglePause(a: ActivityState): ActivityState {
  return a.pausedAt === undefined ? { ...a, pausedAt: a.total } : { ...a, pausedAt: undefined, scroll: 0 };
}

export function scrollActivity(a: ActivityState, delta: number): ActivityState {
  const max = Math.max(0, visibleLines({ ...a, scroll: 0 }, 0).matching - 1);
  return { ...a, scroll: Math.min(max, Math.max(0, a.scroll + delta)) };
}
