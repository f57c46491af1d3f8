// Everything that changes the state: what the daemon says, what keys do, what calls return.

import type { ActivityEntry, ApiPrompt, HistoryEntry, PromptOutcome, RuleEntry, Status } from "@sockgate/protocol/client";
import type { Choice, EditorState, HistoryFilter, InputTarget, LinkStatus, Notice, Preview, VerdictFilter, ViewName } from "./types.js";

export type Action =
  | { type: "link"; status: LinkStatus }
  | { type: "daemon-status"; status: Status }
  | { type: "tick"; now: number }
  | { type: "view"; view: ViewName }
  | { type: "help"; open: boolean }
  | { type: "notice"; text: string; tone: Notice["tone"] }
  | { type: "quit-armed"; armed: boolean }
  // prompts
  | { type: "prompt"; prompt: ApiPrompt }
  | { type: "prompt-settled"; promptId: string; outcome: PromptOutcome }
  | { type: "prompt-move"; delta: number }
  | { type: "choice"; patch: Partial<Choice> }
  | { type: "choice-row"; delta: number }
  | { type: "choice-cycle"; delta: number }
  | { type: "preview"; preview: Preview }
  | { type: "answering"; promptId: string }
  | { type: "answer-failed"; promptId: string; message: string }
  // activity
  | { type: "activity"; entries: ActivityEntry[] }
  | { type: "lagged"; dropped: number }
  | { type: "activity-verdict"; verdict?: VerdictFilter }
  | { type: "activity-pause" }
  | { type: "activity-scroll"; delta: number }
  | { type: "activity-scroll-to"; end: "oldest" | "newest" }
  | { type: "activity-clear" }
  | { type: "activity-text"; text: string }
  // rules
  | { type: "rules-loaded"; entries: RuleEntry[] }
  | { type: "rules-error"; message: string }
  | { type: "rules-select"; delta: number }
  | { type: "rules-owner" }
  | { type: "rules-search"; text: string }
  | { type: "rule-changed"; entry: RuleEntry }
  | { type: "rule-removed"; id: string }
  | { type: "confirm-delete"; id: string | undefined }
  | { type: "editor-open"; editor: EditorState }
  | { type: "editor-close" }
  | { type: "editor-select"; delta: number }
  | { type: "editor-set"; text: string }
  | { type: "editor-add"; path: string }
  | { type: "editor-remove" }
  | { type: "editor-saving" }
  | { type: "editor-error"; field: string | undefined; message: string }
  // history
  | { type: "history-loading" }
  | { type: "history-loaded"; entries: HistoryEntry[]; at: number }
  | { type: "history-error"; message: string }
  | { type: "history-filter"; patch: Partial<HistoryFilter> }
  | { type: "history-select"; delta: number }
  // a line being typed
  | { type: "input-start"; target: InputTarget; text: string }
  | { type: "input-text"; text: string }
  | { type: "input-end" };

export type Dispatch = (action: Action) => void;
