// Every key, per view, as data: the footer lists them, the help screen explains them, and
// the handlers beside this file implement exactly these.

import type { ViewName } from "../state/types.js";

export interface Binding {
  keys: string;
  /** A word or two, for the footer. */
  short: string;
  /** A sentence, for the help screen. */
  help: string;
}

export const GLOBAL_KEYS: Binding[] = [
  { keys: "1-4", short: "views", help: "1 prompts, 2 activity, 3 rules, 4 history" },
  { keys: "tab", short: "next view", help: "the next view (shift-tab: the previous one)" },
  { keys: "?", short: "help", help: "this help; esc or ? closes it" },
  { keys: "q", short: "quit", help: "quit the TUI (the daemon keeps enforcing); with prompts waiting, press q twice" },
];

export const VIEW_KEYS: Record<ViewName, Binding[]> = {
  prompts: [
    { keys: "a/d", short: "allow/deny", help: "choose allow or deny" },
    { keys: "s", short: "scope", help: "next scope: this host and port, this host, this domain, any destination" },
    { keys: "t", short: "duration", help: "next duration: once, until it quits, 15 minutes, until reboot, forever" },
    { keys: "o/f", short: "once/forever", help: "duration once / forever" },
    { keys: "↑↓←→", short: "choose", help: "↑↓ pick a row (action, scope, duration), ←→ change it" },
    { keys: "⏎", short: "answer", help: "answer with what is selected (shown under 'will create')" },
    { keys: "n/N", short: "next/prev", help: "next / previous waiting prompt" },
  ],
  activity: [
    { keys: "/", short: "filter", help: "filter by text (program, host, address, rule); esc clears" },
    { keys: "v", short: "verdict", help: "show all, allowed, denied or held calls" },
    { keys: "space", short: "pause", help: "pause or follow (lines keep arriving while paused)" },
    { keys: "↑↓", short: "scroll", help: "scroll; pgup/pgdn by a page, g/G oldest/newest" },
    { keys: "c", short: "clear", help: "clear the lines received so far" },
  ],
  rules: [
    { keys: "↑↓", short: "select", help: "select a rule" },
    { keys: "/", short: "search", help: "search rules by id, program, host, note" },
    { keys: "o", short: "owner", help: "show all, your own, or system rules" },
    { keys: "⏎/e", short: "edit", help: "edit the selected rule (system rules: administrators only)" },
    { keys: "n", short: "new", help: "write a new rule of your own" },
    { keys: "space", short: "on/off", help: "enable or disable the selected rule" },
    { keys: "x", short: "delete", help: "delete the selected rule (asks y/n)" },
    { keys: "r", short: "reload", help: "read the rules again" },
  ],
  history: [
    { keys: "↑↓", short: "app", help: "select an application" },
    { keys: "⏎", short: "only this", help: "filter to the selected application (again: all applications)" },
    { keys: "a/h", short: "app/host", help: "filter by application path / host text" },
    { keys: "v", short: "verdict", help: "all, allowed, denied or held calls" },
    { keys: "t", short: "span", help: "time span: 15m, 1h, 24h, 7d" },
    { keys: "r", short: "reload", help: "read the history again" },
  ],
};

export const EDITOR_KEYS: Binding[] = [
  { keys: "↑↓", short: "field", help: "select a field" },
  { keys: "⏎", short: "edit", help: "edit the field's value (strings as typed, lists and numbers as JSON)" },
  { keys: "+/-", short: "add/remove", help: "add a field by name (e.g. match.remoteHost) / remove the selected one" },
  { keys: "s", short: "save", help: "save: the daemon checks the rule and names the field it refuses" },
  { keys: "esc", short: "cancel", help: "close the editor without saving" },
];

export const HELP_KEYS: Binding[] = [{ keys: "esc/?", short: "close help", help: "close this help" }];

export const INPUT_KEYS: Binding[] = [
  { keys: "⏎", short: "done", help: "keep what was typed" },
  { keys: "esc", short: "cancel", help: "drop what was typed" },
];

/** The bindings as footer lines of at most `width` columns, wrapped between bindings, never inside one. */
export function footerLines(bindings: readonly Binding[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const b of bindings) {
    const item = `${b.keys} ${b.short}`;
    if (line !== "" && line.length + 2 + item.length > width) {
      lines.push(line);
      line = item;
    } else line = line === "" ? item : `${line}  ${item}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}
