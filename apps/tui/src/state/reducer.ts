// The one reducer: (state, action) -> state, pure. Each slice's work is in its own file.

import type { Action } from "./actions.js";
import { addActivity, cycleVerdict, scrollActivity, togglePause } from "./activity.js";
import { addRow, removeRow, rowOfField, setRowText } from "./editor.js";
import { addPrompt, cycleChoice, movePrompt, patchChoice, settlePrompt } from "./prompts.js";
import { clampSelection, upsertRule } from "./rules.js";
import type { TuiState } from "./types.js";
import { OWNER_FILTERS } from "./types.js";

function viewerUid(s: TuiState): number {
  return s.link.kind === "up" ? s.link.hello.peer.uid : -1;
}

export function reducer(s: TuiState, a: Action): TuiState {
  switch (a.type) {
    case "link": {
      // The daemon's prompts belong to the connection: a new daemon raises them again.
      const lost = a.status.kind !== "up" && s.link.kind === "up";
      const prompts = lost ? { ...s.prompts, queue: [], current: undefined, choices: {}, preview: undefined, answering: undefined } : s.prompts;
      return { ...s, link: a.status, prompts };
    }
    case "daemon-status":
      return { ...s, daemon: a.status };
    case "tick":
      return { ...s, now: a.now, notice: s.notice !== undefined && a.now - s.notice.at > 10_000 ? undefined : s.notice };
    case "view":
      return { ...s, view: a.view, help: false, quitArmed: false };
    case "help":
      return { ...s, help: a.open };
    case "notice":
      return { ...s, notice: { text: a.text, tone: a.tone, at: s.now } };
    case "quit-armed":
      return { ...s, quitArmed: a.armed };

    case "prompt": {
      const prompts = addPrompt(s.prompts, a.prompt, s.now);
      // A new prompt comes to the front unless the person is typing somewhere (then the header says it waits).
      const view = s.input === undefined && s.rules.editor === undefined ? "prompts" : s.view;
      return { ...s, prompts, view };
    }
    case "prompt-settled":
      return { ...s, prompts: settlePrompt(s.prompts, a.promptId, a.outcome, s.now) };
    case "prompt-move":
      return { ...s, prompts: movePrompt(s.prompts, a.delta, s.now) };
    case "choice":
      return { ...s, prompts: patchChoice(s.prompts, a.patch) };
    case "choice-row":
      return { ...s, prompts: { ...s.prompts, row: (s.prompts.row + a.delta + 3) % 3 } };
    case "choice-cycle":
      return { ...s, prompts: cycleChoice(s.prompts, a.delta) };
    case "preview":
      return s.prompts.current === a.preview.promptId ? { ...s, prompts: { ...s.prompts, preview: a.preview } } : s;
    case "answering":
      return { ...s, prompts: { ...s.prompts, answering: a.promptId, error: undefined } };
    case "answer-failed":
      return { ...s, prompts: { ...s.prompts, answering: undefined, error: s.prompts.current === a.promptId ? a.message : s.prompts.error } };

    case "activity":
      return { ...s, activity: addActivity(s.activity, a.entries) };
    case "lagged":
      return { ...s, activity: { ...s.activity, lagged: s.activity.lagged + a.dropped } };
    case "activity-verdict":
      return { ...s, activity: a.verdict === undefined ? cycleVerdict(s.activity) : { ...s.activity, verdict: a.verdict, scroll: 0 } };
    case "activity-pause":
      return { ...s, activity: togglePause(s.activity) };
    case "activity-scroll":
      return { ...s, activity: scrollActivity(s.activity, a.delta) };
    case "activity-scroll-to":
      return { ...s, activity: a.end === "newest" ? { ...s.activity, scroll: 0 } : scrollActivity(s.activity, Number.MAX_SAFE_INTEGER) };
    case "activity-text":
      return { ...s, activity: { ...s.activity, text: a.text, scroll: 0 } };
    case "activity-clear":
      return { ...s, activity: { ...s.activity, lines: [], scroll: 0 } };

    case "rules-loaded":
      return { ...s, rules: clampSelection({ ...s.rules, entries: a.entries, loaded: true, error: undefined }, viewerUid(s)) };
    case "rules-error":
      return { ...s, rules: { ...s.rules, error: a.message } };
    case "rules-select":
      return { ...s, rules: clampSelection({ ...s.rules, selected: s.rules.selected + a.delta, confirmDelete: undefined }, viewerUid(s)) };
    case "rules-owner": {
      const owner = OWNER_FILTERS[(OWNER_FILTERS.indexOf(s.rules.owner) + 1) % OWNER_FILTERS.length]!;
      return { ...s, rules: clampSelection({ ...s.rules, owner, selected: 0 }, viewerUid(s)) };
    }
    case "rules-search":
      return { ...s, rules: clampSelection({ ...s.rules, search: a.text, selected: 0 }, viewerUid(s)) };
    case "rule-changed":
      return { ...s, rules: clampSelection({ ...s.rules, entries: upsertRule(s.rules.entries, a.entry) }, viewerUid(s)) };
    case "rule-removed":
      return { ...s, rules: clampSelection({ ...s.rules, entries: s.rules.entries.filter((e) => e.rule.id !== a.id), confirmDelete: undefined }, viewerUid(s)) };
    case "confirm-delete":
      return { ...s, rules: { ...s.rules, confirmDelete: a.id } };
    case "editor-open":
      return { ...s, rules: { ...s.rules, editor: a.editor } };
    case "editor-close":
      return { ...s, rules: { ...s.rules, editor: undefined }, input: undefined };
    case "editor-select": {
      const e = s.rules.editor;
      if (e === undefined || e.rows.length === 0) return s;
      return { ...s, rules: { ...s.rules, editor: { ...e, selected: (e.selected + a.delta + e.rows.length) % e.rows.length } } };
    }
    case "editor-set":
      return s.rules.editor === undefined ? s : { ...s, rules: { ...s.rules, editor: setRowText(s.rules.editor, a.text) } };
    case "editor-add":
      return s.rules.editor === undefined ? s : { ...s, rules: { ...s.rules, editor: addRow(s.rules.editor, a.path) } };
    case "editor-remove":
      return s.rules.editor === undefined ? s : { ...s, rules: { ...s.rules, editor: removeRow(s.rules.editor) } };
    case "editor-saving":
      return s.rules.editor === undefined ? s : { ...s, rules: { ...s.rules, editor: { ...s.rules.editor, saving: true, error: undefined } } };
    case "editor-error": {
      const e = s.rules.editor;
      if (e === undefined) return s;
      const at = rowOfField(e, a.field);
      return { ...s, rules: { ...s.rules, editor: { ...e, saving: false, error: { field: a.field, message: a.message }, selected: at >= 0 ? at : e.selected } } };
    }

    case "history-loading":
      return { ...s, history: { ...s.history, loading: true, error: undefined } };
    case "history-loaded":
      return { ...s, history: { ...s.history, entries: a.entries, loading: false, loadedAt: a.at, selected: Math.min(s.history.selected, Math.max(0, new Set(a.entries.map((e) => e.exe)).size - 1)) } };
    case "history-error":
      return { ...s, history: { ...s.history, loading: false, error: a.message } };
    case "history-filter":
      return { ...s, history: { ...s.history, filter: { ...s.history.filter, ...a.patch }, selected: 0 } };
    case "history-select":
      return { ...s, history: { ...s.history, selected: Math.max(0, Math.min(new Set(s.history.entries.map((e) => e.exe)).size - 1, s.history.selected + a.delta)) } };

    case "input-start":
      return { ...s, input: { target: a.target, text: a.text } };
    case "input-text":
      return s.input === undefined ? s : { ...s, input: { ...s.input, text: a.text } };
    case "input-end":
      return { ...s, input: undefined };
  }
}
