// Keys that work in every view (unless a line is being typed): views, help, quit.
// undefined: not a global key, the focused view has it.

import type { TuiState } from "../state/types.js";
import { VIEWS } from "../state/types.js";
import type { Command, KeyPress } from "./key-press.js";

export function globalKeys(s: TuiState, k: KeyPress): Command[] | undefined {
  if (s.help) return k.escape || k.input === "?" || k.input === "q" ? [{ type: "help", open: false }] : [];
  if (k.input === "?") return [{ type: "help", open: true }];
  if (k.input === "q") {
    if (s.prompts.queue.length > 0 && !s.quitArmed) {
      const n = s.prompts.queue.length;
      return [
        { type: "quit-armed", armed: true },
        { type: "notice", tone: "warn", text: `${n} prompt${n === 1 ? " is" : "s are"} waiting: their calls get the timeout default. Press q again to quit.` },
      ];
    }
    return [{ effect: "quit" }];
  }
  const digit = "1234".indexOf(k.input);
  if (k.input !== "" && digit >= 0 && !k.ctrl) return [{ type: "view", view: VIEWS[digit]! }];
  if (k.tab) {
    const i = VIEWS.indexOf(s.view);
    return [{ type: "view", view: VIEWS[(i + (k.shift ? -1 : 1) + VIEWS.length) % VIEWS.length]! }];
  }
  return undefined;
}
