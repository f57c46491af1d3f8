// The rule editor: a rule as rows of "field: value" and back. Rows show strings bare and
// anything else as JSON; the daemon checks the result against the rule schema and names
// the field it refuses, which the editor shows beside that row.

import type { Owner, RuleEntry, RuleInput } from "@sockgate/protocol/client";
import type { EditorRow, EditorState } from "./types.js";

// Kept as they are, not edited: the schema version, the owner (a rule keeps it), when it was made.
const FIXED = new Set(["schemaVersion", "id", "owner", "createdAt"]);
const TOP_ORDER = ["action", "priority", "duration", "match", "note"];

function rowsOf(value: unknown, path: string, out: EditorRow[]): void {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && (path === "duration" || path === "match")) {
    for (const [k, v] of Object.entries(value)) out.push(row(`${path}.${k}`, v));
    return;
  }
  out.push(row(path, value));
}

function row(path: string, value: unknown): EditorRow {
  return typeof value === "string" ? { path, text: value, string: true } : { path, text: JSON.stringify(value), string: false };
}

/** The editor for an existing rule. */
export function editorFor(entry: RuleEntry): EditorState {
  const rule = entry.rule as unknown as Record<string, unknown>;
  const rows: EditorRow[] = [];
  const keys = Object.keys(rule).filter((k) => !FIXED.has(k));
  keys.sort((a, b) => (TOP_ORDER.indexOf(a) + 1 || 99) - (TOP_ORDER.indexOf(b) + 1 || 99));
  for (const k of keys) rowsOf(rule[k], k, rows);
  const fixed: Record<string, unknown> = {};
  for (const k of Object.keys(rule)) if (FIXED.has(k) && k !== "id" && k !== "owner") fixed[k] = rule[k];
  return { ruleId: entry.rule.id, owner: entry.rule.owner, fixed, rows, selected: 0, error: undefined, saving: false, enabled: entry.enabled };
}

/** The editor for a new rule: a template to fill in. */
export function newRuleEditor(owner: Owner): EditorState {
  const rows: EditorRow[] = [
    { path: "action", text: "allow", string: true },
    { path: "duration.kind", text: "forever", string: true },
    { path: "match.exe", text: "", string: true },
    { path: "match.operation", text: '["connect"]', string: false },
    { path: "match.remoteHost", text: "[]", string: false },
    { path: "match.remotePort", text: "[]", string: false },
  ];
  return { ruleId: undefined, owner, fixed: { schemaVersion: 1 }, rows, selected: 2, error: undefined, saving: false, enabled: true };
}

/** A row's value: strings as typed; other rows as JSON, or the text itself when it is not JSON (the daemon then names the field). */
function valueOf(r: EditorRow): unknown {
  if (r.string) return r.text;
  const t = r.text.trim();
  if (t === "") return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return t;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const dot = path.indexOf(".");
  if (dot < 0) {
    target[path] = value;
    return;
  }
  const head = path.slice(0, dot);
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  setPath(inner, path.slice(dot + 1), value);
}

/** The rule the rows describe. Empty rows and empty lists are left out, as if never written. */
export function ruleFromEditor(e: EditorState): RuleInput {
  const rule: Record<string, unknown> = { ...e.fixed, ...(e.ruleId === undefined ? {} : { id: e.ruleId }), owner: e.owner, match: {} };
  for (const r of e.rows) {
    const v = valueOf(r);
    if (v === undefined || (r.string && v === "" && r.path.startsWith("match.")) || (Array.isArray(v) && v.length === 0)) continue;
    setPath(rule, r.path, v);
  }
  return rule as RuleInput;
}

/** The row an error's field belongs to: "match.remotePort[0]" is the row "match.remotePort". */
export function rowOfField(e: EditorState, field: string | undefined): number {
  if (field === undefined) return -1;
  let best = -1;
  for (let i = 0; i < e.rows.length; i++) {
    const p = e.rows[i]!.path;
    if ((field === p || field.startsWith(`${p}.`) || field.startsWith(`${p}[`)) && (best < 0 || p.length > e.rows[best]!.path.length)) best = i;
  }
  return best;
}

export function setRowText(e: EditorState, text: string): EditorState {
  const rows = e.rows.map((r, i) => (i === e.selected ? { ...r, text } : r));
  return { ...e, rows };
}

/** Adds a field by its path ("match.remoteHost"); a path already there is selected instead. */
export function addRow(e: EditorState, path: string): EditorState {
  const p = path.trim();
  if (p === "") return e;
  const existing = e.rows.findIndex((r) => r.path === p);
  if (existing >= 0) return { ...e, selected: existing };
  // Strings where the schema has strings; the rest is typed as JSON.
  const string = ["action", "note", "duration.kind", "match.exe", "match.exeGlob", "match.sha256", "match.parentExe", "match.cmdline", "match.family"].includes(p);
  return { ...e, rows: [...e.rows, { path: p, text: "", string }], selected: e.rows.length };
}

export function removeRow(e: EditorState): EditorState {
  if (e.rows.length === 0) return e;
  const rows = e.rows.filter((_, i) => i !== e.selected);
  return { ...e, rows, selected: Math.min(e.selected, rows.length - 1) };
}
