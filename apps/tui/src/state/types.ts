// The whole TUI state: one reducer owns it (reducer.ts), views are pure functions of it.

import type { ActivityEntry, AnswerDuration, AnswerScope, ApiPrompt, ApiRule, HelloReply, HistoryEntry, Owner, RuleEntry, Status } from "@sockgate/protocol/client";

export const VIEWS = ["prompts", "activity", "rules", "history"] as const;
export type ViewName = (typeof VIEWS)[number];

/** How the TUI stands with the daemon. "denied": reachable, but this user may not use it. */
export type LinkStatus =
  | { kind: "connecting"; socketPath: string }
  | { kind: "up"; socketPath: string; hello: HelloReply }
  | { kind: "down"; socketPath: string; code: string; message: string; since: number }
  | { kind: "denied"; socketPath: string; code: string; message: string };

export interface Choice {
  action: "allow" | "deny";
  scope: AnswerScope;
  duration: AnswerDuration;
}

/** The rules an answer would make, as the daemon previewed them, or why it cannot. */
export interface Preview {
  promptId: string;
  /** choiceKey() of the choice previewed: a preview of another choice is stale. */
  key: string;
  rules?: ApiRule[];
  error?: string;
}

/** A prompt that was settled, for the line that says so (timeouts especially). */
export interface Settled {
  promptId: string;
  at: number;
  text: string;
  action: "allow" | "deny";
  answeredBy: string;
}

export interface PromptsState {
  /** Pending prompts, oldest first. */
  queue: ApiPrompt[];
  /** The id of the prompt shown; undefined with an empty queue. */
  current: string | undefined;
  /** What is selected for each prompt (a prompt keeps its choice while another is shown). */
  choices: Record<string, Choice>;
  /** The row the arrow keys change: 0 action, 1 scope, 2 duration. */
  row: number;
  preview: Preview | undefined;
  /** When the current prompt came on screen: answer keys wait a moment, so typing meant for something else cannot answer it. */
  shownAt: number;
  /** A prompt whose answer is on its way. */
  answering: string | undefined;
  error: string | undefined;
  /** Recently settled prompts, newest first. */
  settled: Settled[];
}

export type VerdictFilter = "all" | "allow" | "deny" | "held";
export const VERDICT_FILTERS: readonly VerdictFilter[] = ["all", "allow", "deny", "held"];

export interface ActivityLine extends ActivityEntry {
  /** Arrival order, from 1. */
  seq: number;
}

export interface ActivityState {
  /** The newest lines, oldest first, at most `capacity`: memory stays bounded at any rate. */
  lines: ActivityLine[];
  capacity: number;
  /** Lines received since the TUI started. */
  total: number;
  /** Lines the daemon dropped because this TUI read too slowly. */
  lagged: number;
  verdict: VerdictFilter;
  text: string;
  /** Paused: the view stays on the lines up to this seq while new ones keep arriving. */
  pausedAt: number | undefined;
  /** Matching lines skipped from the newest (0: the newest are shown). */
  scroll: number;
}

export type OwnerFilter = "all" | "mine" | "system";
export const OWNER_FILTERS: readonly OwnerFilter[] = ["all", "mine", "system"];

export interface EditorRow {
  /** "action", "duration.kind", "match.remotePort", ... */
  path: string;
  text: string;
  /** The value was a string: the text is taken as it is, never as JSON. */
  string: boolean;
}

export interface EditorState {
  /** undefined: a new rule. */
  ruleId: string | undefined;
  owner: Owner;
  /** Fields of the rule that are not shown as rows but kept (schemaVersion, createdAt). */
  fixed: Record<string, unknown>;
  rows: EditorRow[];
  selected: number;
  /** The daemon's last refusal, with the field it named. */
  error: { field: string | undefined; message: string } | undefined;
  saving: boolean;
  enabled: boolean;
}

export interface RulesState {
  entries: RuleEntry[];
  loaded: boolean;
  error: string | undefined;
  search: string;
  owner: OwnerFilter;
  /** Index into the filtered list. */
  selected: number;
  /** A rule waiting for "y" to be deleted. */
  confirmDelete: string | undefined;
  editor: EditorState | undefined;
}

export interface HistoryFilter {
  exe: string;
  host: string;
  verdict: VerdictFilter;
  /** How far back, in ms. */
  span: number;
}

export interface HistoryState {
  entries: HistoryEntry[];
  loading: boolean;
  error: string | undefined;
  filter: HistoryFilter;
  /** Index into the per-application list. */
  selected: number;
  /** When the entries were read (the chart's right edge). */
  loadedAt: number | undefined;
}

/** A line being typed: a filter, a search, a field of the rule editor. */
export type InputTarget = "activity-text" | "rules-search" | "history-exe" | "history-host" | "editor-value" | "editor-path";

export interface InputState {
  target: InputTarget;
  text: string;
}

export interface Notice {
  text: string;
  tone: "info" | "warn" | "error";
  at: number;
}

export interface TuiState {
  view: ViewName;
  help: boolean;
  now: number;
  link: LinkStatus;
  /** The daemon's status, read once per connection (its pid, the governed scope). */
  daemon: Status | undefined;
  input: InputState | undefined;
  notice: Notice | undefined;
  /** "q" once with prompts waiting: the next "q" quits. */
  quitArmed: boolean;
  prompts: PromptsState;
  activity: ActivityState;
  rules: RulesState;
  history: HistoryState;
}
