// Keys of the rules view and of its editor.

import { editorFor, newRuleEditor } from "../state/editor.js";
import { selectedRule } from "../state/rules.js";
import type { TuiState } from "../state/types.js";
import type { Command, KeyPress } from "./key-press.js";

function viewer(s: TuiState): { uid: number; admin: boolean } {
  return s.link.kind === "up" ? { uid: s.link.hello.peer.uid, admin: s.link.hello.peer.admin } : { uid: -1, admin: false };
}

export function rulesKeys(s: TuiState, k: KeyPress): Command[] {
  const r = s.rules;
  if (r.editor !== undefined) return editorKeys(s, k);
  const { uid, admin } = viewer(s);
  const rule = selectedRule(r, uid);
  if (r.confirmDelete !== undefined) {
    return k.input === "y" ? [{ effect: "delete-rule", id: r.confirmDelete }] : [{ type: "confirm-delete", id: undefined }];
  }
  if (k.up || k.input === "k") return [{ type: "rules-select", delta: -1 }];
  if (k.down || k.input === "j") return [{ type: "rules-select", delta: 1 }];
  if (k.pageUp) return [{ type: "rules-select", delta: -10 }];
  if (k.pageDown) return [{ type: "rules-select", delta: 10 }];
  if (k.input === "/") return [{ type: "input-start", target: "rules-search", text: r.search }];
  if (k.escape && r.search !== "") return [{ type: "rules-search", text: "" }];
  if (k.input === "o") return [{ type: "rules-owner" }];
  if (k.input === "r") return [{ effect: "load-rules" }];
  if (k.input === "n") return [{ type: "editor-open", editor: newRuleEditor({ kind: "user", uid }) }];
  if (rule === undefined) return [];
  const writable = rule.rule.owner.kind === "system" ? admin : rule.rule.owner.uid === uid;
  const readOnly = (): Command[] => [{ type: "notice", tone: "warn", text: `rule ${rule.rule.id} is ${rule.rule.owner.kind === "system" ? "a system rule: only administrators (root, group sockgate) change it" : "another user's: only they change it"}` }];
  if (k.enter || k.input === "e") return writable ? [{ type: "editor-open", editor: editorFor(rule) }] : readOnly();
  if (k.input === " ") return writable ? [{ effect: "set-enabled", id: rule.rule.id, enabled: !rule.enabled }] : readOnly();
  if (k.input === "x") return writable ? [{ type: "confirm-delete", id: rule.rule.id }] : readOnly();
  return [];
}

function editorKeys(s: TuiState, k: KeyPress): Command[] {
  const e = s.rules.editor!;
  if (e.saving) return [];
  if (k.escape) return [{ type: "editor-close" }];
  if (k.up || k.input === "k") return [{ type: "editor-select", delta: -1 }];
  if (k.down || k.input === "j") return [{ type: "editor-select", delta: 1 }];
  if (k.enter || k.input === "e") {
    const row = e.rows[e.selected];
    return row === undefined ? [] : [{ type: "input-start", target: "editor-value", text: row.text }];
  }
  if (k.input === "+") return [{ type: "input-start", target: "editor-path", text: "match." }];
  if (k.input === "-") return [{ type: "editor-remove" }];
  if (k.input === "s") return [{ type: "editor-saving" }, { effect: "save-rule" }];
  return [];
}
