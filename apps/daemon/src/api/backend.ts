// The seam between the API server and the daemon core. The server authenticates each
// connection (Peer), checks every call against the schema and against who may do what
// (authorise.ts), and only then calls the backend; the backend does the work (engine,
// store, shim) and reports events. Each method receives the Peer on whose behalf it runs,
// so the backend can record it (who answered a prompt: peer.pid, peer.exe) and use per-user
// store views as a second line of defence.

import type {
  ActivityEntry,
  ApiPrompt,
  ApiRule,
  ExportDocument,
  HistoryEntry,
  HistoryQuery,
  ImportResult,
  Owner,
  PeerInfo,
  PromptAnswer,
  PromptOutcome,
  RuleEntry,
  RuleInput,
  Status,
} from "@sockgate/protocol/client";

export type Awaitable<T> = T | Promise<T>;

/** A connected client, as the kernel identified it when it connected. */
export interface Peer extends PeerInfo {
  /** Unique per connection for the life of the server. */
  readonly connectionId: number;
  /** /proc/PID/exe of the connecting process, read when it connected; null when unreadable (it exited). */
  readonly exe: string | null;
  /** True when a pidfd showed that `exe` was read from the connecting process itself and not from a later one with its pid. */
  readonly exeVerified: boolean;
  /** Start time of the connecting process (clock ticks since boot, /proc/PID/stat field 22); null when unreadable. */
  readonly startTime: number | null;
  /**
   * The connecting process runs under no_new_privs with a seccomp filter, as everything
   * `sockgate run` starts does (or its status was unreadable): it may read, not write.
   */
  readonly confined: boolean;
  /** What the client said it is in Hello: a claim, not evidence. */
  client?: { name: string; version?: string };
}

/** Rules of these owners, or of everyone. */
export type RuleOwners = "all" | readonly Owner[];

/** A rule whose id and owner the server filled in and authorised. */
export type OwnedRuleInput = RuleInput & { id: string; owner: Owner };

export type BackendEvent =
  | { type: "prompt"; prompt: ApiPrompt }
  | { type: "prompt-settled"; uid: number; promptId: string; outcome: PromptOutcome }
  | { type: "activity"; activity: ActivityEntry };

/**
 * What the daemon core implements for the API. Throw an ApiError (from
 * @sockgate/protocol/client) to answer with a named error; SockgateErrors of the engine and
 * store are mapped (error-map.ts); anything else is logged and answered InternalError.
 */
export interface ApiBackend {
  /** Everything but `api`, which the server fills in. */
  status(peer: Peer): Awaitable<Omit<Status, "api">>;
  /** A pending prompt by id, whoever it belongs to (the server checks), or undefined. */
  getPrompt(promptId: string): Awaitable<ApiPrompt | undefined>;
  /** Pending prompts of `uid`, oldest first. */
  pendingPrompts(uid: number): Awaitable<ApiPrompt[]>;
  previewAnswer(peer: Peer, prompt: ApiPrompt, answer: PromptAnswer): Awaitable<ApiRule[]>;
  /**
   * Called only for a prompt of the peer's own user, from a process outside the asking
   * process's tree (process-tree.ts) and, when configured, one of the allowed executables.
   * Record peer.pid and peer.exe with the answer in history.
   */
  answerPrompt(peer: Peer, prompt: ApiPrompt, answer: PromptAnswer): Awaitable<PromptOutcome>;
  listRules(peer: Peer, owners: RuleOwners): Awaitable<RuleEntry[]>;
  /** A rule by id, whoever it belongs to (the server checks), or undefined. */
  getRule(id: string): Awaitable<RuleEntry | undefined>;
  /** The id is free when the server asked; validate the rest (the engine's parseRule: InvalidRule names the field). */
  addRule(peer: Peer, rule: OwnedRuleInput, enabled: boolean): Awaitable<RuleEntry>;
  /** The rule with this id exists, has this owner, and the peer may write it. */
  updateRule(peer: Peer, rule: OwnedRuleInput): Awaitable<RuleEntry>;
  deleteRule(peer: Peer, id: string): Awaitable<void>;
  setRuleEnabled(peer: Peer, id: string, enabled: boolean): Awaitable<RuleEntry>;
  exportRules(peer: Peer, owners: RuleOwners): Awaitable<ExportDocument>;
  /** Every rule of the document has `owner`, which the peer may write; all or nothing. */
  importRules(peer: Peer, document: { format: string; version: number; rules: RuleInput[] }, options: { mode: "merge" | "replace"; owner: Owner }): Awaitable<ImportResult>;
  /** `query.uid` undefined: everyone's history (only admins get that far). */
  queryHistory(peer: Peer, query: HistoryQuery): Awaitable<HistoryEntry[]>;
  /** Every prompt raised or settled and every activity record, for every user; the server filters per connection. Returns the unsubscribe function. */
  subscribe(listener: (event: BackendEvent) => void): () => void;
  /** Told when the number of connections subscribed to `uid`'s prompts changes; 0 means nobody is listening for that user. */
  promptListenersChanged?(uid: number, count: number): void;
}
