// Keys of the prompt view. Answer keys wait `guardMs` after a prompt comes on screen, so
// typing meant for something else cannot answer a prompt that just appeared.

import { choiceOf, currentPrompt, nextDuration, nextScope } from "../state/prompts.js";
import type { TuiState } from "../state/types.js";
import type { Command, KeyPress } from "./key-press.js";

export const DEFAULT_KEY_GUARD_MS = 300;

export function promptKeys(s: TuiState, k: KeyPress, guardMs = DEFAULT_KEY_GUARD_MS): Command[] {
  const p = s.prompts;
  const prompt = currentPrompt(p);
  if (prompt === undefined) return [];
  if (k.input === "n") return [{ type: "prompt-move", delta: 1 }];
  if (k.input === "N") return [{ type: "prompt-move", delta: -1 }];
  if (s.now - p.shownAt < guardMs) return [];
  const c = choiceOf(p, prompt.id);
  if (k.input === "a") return [{ type: "choice", patch: { action: "allow" } }];
  if (k.input === "d") return [{ type: "choice", patch: { action: "deny" } }];
  if (k.input === "s") return [{ type: "choice", patch: { scope: nextScope(c) } }];
  if (k.input === "t") return [{ type: "choice", patch: { duration: nextDuration(c) } }];
  if (k.input === "o") return [{ type: "choice", patch: { duration: "once" } }];
  if (k.input === "f") return [{ type: "choice", patch: { duration: "forever" } }];
  if (k.up || k.input === "k") return [{ type: "choice-row", delta: -1 }];
  if (k.down || k.input === "j") return [{ type: "choice-row", delta: 1 }];
  if (k.left || k.input === "h") return [{ type: "choice-cycle", delta: -1 }];
  if (k.right || k.input === "l") return [{ type: "choice-cycle", delta: 1 }];
  if (k.enter && p.answering !== prompt.id) {
    return [
      { type: "answering", promptId: prompt.id },
      { effect: "answer", promptId: prompt.id, answer: { action: c.action, scope: c.scope, duration: c.duration } },
    ];
  }
  return [];
}
