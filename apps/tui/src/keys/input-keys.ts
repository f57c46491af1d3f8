// Typing a line (a filter, a search, a rule field): printable keys edit it, Enter keeps it,
// Esc drops it. Filters and searches apply as they are typed; Esc clears them.

import type { InputTarget, TuiState } from "../state/types.js";
import type { Command, KeyPress } from "./key-press.js";

/** What the text does while it is typed (filters follow it). */
function live(target: InputTarget, text: string): Command[] {
  if (target === "activity-text") return [{ type: "activity-text", text }];
  if (target === "rules-search") return [{ type: "rules-search", text }];
  return [];
}

/** What Enter does with the text. */
function commit(target: InputTarget, text: string): Command[] {
  switch (target) {
    case "activity-text":
    case "rules-search":
      return [];
    case "history-exe":
      return [{ type: "history-filter", patch: { exe: text.trim() } }, { effect: "load-history" }];
    case "history-host":
      return [{ type: "history-filter", patch: { host: text.trim() } }, { effect: "load-history" }];
    case "editor-value":
      return [{ type: "editor-set", text }];
    case "editor-path":
      return [{ type: "editor-add", path: text }];
  }
}

export function inputKeys(s: TuiState, k: KeyPress): Command[] {
  const input = s.input;
  if (input === undefined) return [];
  const edit = (text: string): Command[] => [{ type: "input-text", text }, ...live(input.target, text)];
  if (k.escape) return [{ type: "input-end" }, ...live(input.target, "")];
  if (k.enter) return [...commit(input.target, input.text), { type: "input-end" }];
  if (k.backspace) return edit([...input.text].slice(0, -1).join(""));
  if (k.ctrl && k.input === "u") return edit("");
  if (k.ctrl || k.input === "" || k.up || k.down || k.tab) return [];
  // A paste arrives as one string: keep its printable part only.
  // eslint-disable-next-line no-control-regex
  const typed = k.input.replace(/[\u0000-\u001f\u007f]/g, "");
  return typed === "" ? [] : edit(input.text + typed);
}
