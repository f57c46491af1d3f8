// A key press as the handlers see it: ink's (input, key) pair in one plain object, so the
// handlers are pure functions that tests call without a terminal.

import type { Action } from "../state/actions.js";
import type { AnswerDuration, AnswerScope } from "@sockgate/protocol/client";

export interface KeyPress {
  /** The character typed ("a", "?", " "); "" for keys that type nothing. */
  input: string;
  up?: boolean;
  down?: boolean;
  left?: boolean;
  right?: boolean;
  enter?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  backspace?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  ctrl?: boolean;
}

/** What a key asks of the world beyond the state: calls to the daemon, quitting. */
export type Effect =
  | { effect: "answer"; promptId: string; answer: { action: "allow" | "deny"; scope: AnswerScope; duration: AnswerDuration } }
  | { effect: "load-rules" }
  | { effect: "save-rule" }
  | { effect: "delete-rule"; id: string }
  | { effect: "set-enabled"; id: string; enabled: boolean }
  | { effect: "load-history" }
  | { effect: "quit" };

export type Command = Action | Effect;

export function isEffect(c: Command): c is Effect {
  return "effect" in c;
}

/**
 * ink's (input, key) to key presses. Text that arrives in one read ("af\r" from a fast
 * typist, a script or a paste) is one ink event: it is split into one press per character,
 * so each key acts on the state the ones before it left.
 */
export function keyPresses(input: string, key: InkKey): KeyPress[] {
  const chars = [...input];
  if (chars.length <= 1 && input !== "\r") return [keyPress(input, key)];
  return chars.map((c) => {
    if (c === "\r" || c === "\n") return { input: "", enter: true };
    if (c === "\t") return { input: "", tab: true };
    return { input: c, shift: c !== c.toLowerCase() };
  });
}

type InkKey = Parameters<typeof keyPress>[1];

/** ink's key object to a KeyPress. */
export function keyPress(input: string, key: { upArrow?: boolean; downArrow?: boolean; leftArrow?: boolean; rightArrow?: boolean; return?: boolean; escape?: boolean; tab?: boolean; shift?: boolean; backspace?: boolean; delete?: boolean; pageUp?: boolean; pageDown?: boolean; home?: boolean; end?: boolean; ctrl?: boolean }): KeyPress {
  return {
    input,
    up: key.upArrow,
    down: key.downArrow,
    left: key.leftArrow,
    right: key.rightArrow,
    enter: key.return,
    escape: key.escape,
    tab: key.tab,
    shift: key.shift,
    // Terminals send DEL (0x7f) for the backspace key; ink reports it as delete.
    backspace: key.backspace || key.delete,
    pageUp: key.pageUp,
    pageDown: key.pageDown,
    home: key.home,
    end: key.end,
    ctrl: key.ctrl,
  };
}
