// Keys of the history view.

import { historyByApp } from "../state/history.js";
import type { TuiState } from "../state/types.js";
import type { VerdictFilter } from "../state/types.js";
import type { Command, KeyPress } from "./key-press.js";

/** History stores decisions: allowed or denied. */
const HISTORY_VERDICTS: readonly VerdictFilter[] = ["all", "allow", "deny"];

export const HISTORY_SPANS = [15 * 60_000, 3_600_000, 24 * 3_600_000, 7 * 24 * 3_600_000];

export function historyKeys(s: TuiState, k: KeyPress): Command[] {
  const h = s.history;
  const reload: Command = { effect: "load-history" };
  if (k.up || k.input === "k") return [{ type: "history-select", delta: -1 }];
  if (k.down || k.input === "j") return [{ type: "history-select", delta: 1 }];
  if (k.input === "a") return [{ type: "input-start", target: "history-exe", text: h.filter.exe }];
  if (k.input === "h") return [{ type: "input-start", target: "history-host", text: h.filter.host }];
  if (k.input === "v") return [{ type: "history-filter", patch: { verdict: HISTORY_VERDICTS[(HISTORY_VERDICTS.indexOf(h.filter.verdict) + 1) % HISTORY_VERDICTS.length]! } }, reload];
  if (k.input === "t") {
    const i = HISTORY_SPANS.indexOf(h.filter.span);
    return [{ type: "history-filter", patch: { span: HISTORY_SPANS[(i + 1) % HISTORY_SPANS.length]! } }, reload];
  }
  if (k.input === "r") return [reload];
  if (k.enter) {
    if (h.filter.exe !== "") return [{ type: "history-filter", patch: { exe: "" } }, reload];
    const app = historyByApp(h.entries, h.loadedAt ?? s.now, h.filter.span, 1)[h.selected];
    return app === undefined ? [] : [{ type: "history-filter", patch: { exe: app.exe } }, reload];
  }
  return [];
}
