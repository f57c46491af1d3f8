// History grouped per application: counts by verdict and connections over time for a chart.

import type { HistoryEntry } from "@sockgate/protocol/client";
import { bucketCounts } from "../format/sparkline.js";

export interface AppHistory {
  exe: string;
  allow: number;
  deny: number;
  other: number;
  /** Calls per bucket over the span, oldest first. */
  buckets: number[];
  /** The newest entries of this application, newest first. */
  recent: HistoryEntry[];
}

const weight = (e: HistoryEntry): number => e.count ?? 1;

/** Applications by calls (most first), each with `buckets` counts over [to - span, to). */
export function historyByApp(entries: readonly HistoryEntry[], to: number, span: number, buckets: number): AppHistory[] {
  const groups = new Map<string, HistoryEntry[]>();
  for (const e of entries) {
    const list = groups.get(e.exe);
    if (list === undefined) groups.set(e.exe, [e]);
    else list.push(e);
  }
  const apps: AppHistory[] = [];
  for (const [exe, list] of groups) {
    let allow = 0;
    let deny = 0;
    let other = 0;
    for (const e of list) {
      if (e.verdict === "allow") allow += weight(e);
      else if (e.verdict === "deny") deny += weight(e);
      else other += weight(e);
    }
    const recent = [...list].sort((a, b) => b.at - a.at || b.seq - a.seq);
    apps.push({ exe, allow, deny, other, buckets: bucketCounts(list, to - span, to, buckets), recent });
  }
  return apps.sort((a, b) => b.allow + b.deny + b.other - (a.allow + a.deny + a.other) || a.exe.localeCompare(b.exe));
}
