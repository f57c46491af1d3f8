// Which pane a key goes to, decided per key from the state as it is now. Keys that arrive
// in one read ("+", "remotePort", Enter, Enter) each go where the key before them left the
// focus: a typed line first, then the help screen, then the keys that work everywhere,
// then the focused view.

import type { TuiState } from "../state/types.js";
import { activityKeys } from "./activity-keys.js";
import { globalKeys } from "./global-keys.js";
import { historyKeys } from "./history-keys.js";
import { inputKeys } from "./input-keys.js";
import type { Command, KeyPress } from "./key-press.js";
import { promptKeys } from "./prompt-keys.js";
import { rulesKeys } from "./rules-keys.js";

export interface RouteOptions {
  keyGuardMs: number;
  /** Rows a page-up/down moves in the activity view. */
  page: number;
}

function viewKeys(s: TuiState, k: KeyPress, o: RouteOptions): Command[] {
  switch (s.view) {
    case "prompts":
      return promptKeys(s, k, o.keyGuardMs);
    case "activity":
      return activityKeys(s, k, o.page);
    case "rules":
      return rulesKeys(s, k);
    case "history":
      return historyKeys(s, k);
  }
}

export function routeKey(s: TuiState, k: KeyPress, o: RouteOptions): Command[] {
  if (k.ctrl && k.input === "c") return [{ effect: "quit" }];
  if (s.input !== undefined) return inputKeys(s, k);
  // A pending "delete? y/n" takes the next key, whatever it is.
  if (s.view === "rules" && s.rules.confirmDelete !== undefined && s.link.kind === "up") return rulesKeys(s, k);
  const global = globalKeys(s, k);
  if (global !== undefined) return global;
  const disarm: Command[] = s.quitArmed ? [{ type: "quit-armed", armed: false }] : [];
  if (s.link.kind !== "up" || s.help) return disarm;
  return [...disarm, ...viewKeys(s, k, o)];
}
