// Each method's parameters and reply, and the envelope of calls and replies. The method
// map drives the typed client: client.call("ListRules", {...}) is checked against it.

import type { ApiErrorName } from "./errors.js";
import type { ActivityEntry, HistoryEntry, HistoryQuery } from "./types-history.js";
import type { CallId, Owner, OwnerSelector, PeerInfo } from "./types-common.js";
import type { ApiPrompt, PromptAnswer, PromptOutcome } from "./types-prompts.js";
import type { ApiRule, ExportDocument, ImportResult, RuleEntry, RuleInput } from "./types-rules.js";
import type { RunCall, RunVerdict, SuperviseParameters, SupervisionEvent } from "./types-run.js";
import type { Status } from "./types-status.js";

export interface HelloParameters {
  /** Interfaces the client speaks, preferred first, e.g. ["io.sockgate.v1"]. */
  versions: string[];
  client?: { name: string; version?: string };
}

export interface HelloReply {
  /** The interface this connection speaks from now on. */
  interface: string;
  server: { name: string; version: string };
  peer: PeerInfo;
  limits: { maxMessageBytes: number };
}

export const SUBSCRIBE_TOPICS = ["prompts", "activity"] as const;
export type SubscribeTopic = (typeof SUBSCRIBE_TOPICS)[number];

export type SubscriptionEvent =
  /** First reply: the subscription is live; pending prompts follow. */
  | { type: "subscribed"; topics: SubscribeTopic[] }
  | { type: "prompt"; prompt: ApiPrompt }
  | { type: "prompt-settled"; promptId: string; outcome: PromptOutcome }
  | { type: "activity"; activity: ActivityEntry }
  /** This many activity events were dropped because the client read too slowly. Prompts are never dropped. */
  | { type: "lagged"; dropped: number }
  /** Last reply of the call. */
  | { type: "ended"; reason: "cancelled" | "shutdown" };

type Empty = Record<string, never>;

export interface ApiMethods {
  Hello: { parameters: HelloParameters; reply: HelloReply };
  Status: { parameters: Empty; reply: Status };
  Subscribe: { parameters: { topics: SubscribeTopic[] }; reply: { event: SubscriptionEvent } };
  /** Ends the streaming call `call` of this connection (its last reply says "cancelled"). */
  Cancel: { parameters: { call: CallId }; reply: Empty };
  /** The caller's own pending prompts, oldest first. */
  ListPrompts: { parameters: Empty; reply: { prompts: ApiPrompt[] } };
  /** The rules an answer would make (ids are placeholders), so a UI can show them first. */
  PreviewAnswer: { parameters: { promptId: string; answer: PromptAnswer }; reply: { rules: ApiRule[] } };
  AnswerPrompt: { parameters: { promptId: string; answer: PromptAnswer }; reply: { outcome: PromptOutcome } };
  /** Without `owner`: every rule the caller may see (own and system; everyone's for admins). */
  ListRules: { parameters: { owner?: OwnerSelector }; reply: { rules: RuleEntry[] } };
  GetRule: { parameters: { id: string }; reply: { rule: RuleEntry } };
  AddRule: { parameters: { rule: RuleInput; enabled?: boolean }; reply: { rule: RuleEntry } };
  /** Replaces the rule with this id; its owner cannot change. */
  UpdateRule: { parameters: { rule: RuleInput & { id: string } }; reply: { rule: RuleEntry } };
  DeleteRule: { parameters: { id: string }; reply: Empty };
  EnableRule: { parameters: { id: string }; reply: { rule: RuleEntry } };
  DisableRule: { parameters: { id: string }; reply: { rule: RuleEntry } };
  /** Without `owner`: the caller's own rules. */
  ExportRules: { parameters: { owner?: OwnerSelector }; reply: { document: ExportDocument } };
  /** Every rule of the document must belong to `owner` (default: the caller). */
  ImportRules: {
    parameters: { document: { format: string; version: number; rules: RuleInput[] }; mode?: "merge" | "replace"; owner?: Owner };
    reply: ImportResult;
  };
  QueryHistory: { parameters: HistoryQuery; reply: { entries: HistoryEntry[] } };
  /** A `sockgate run` session for the caller's child `pid`, until cancelled; see types-run.ts. */
  Supervise: { parameters: SuperviseParameters; reply: { event: SupervisionEvent } };
  /** One held call of a supervised process, decided as the caller's uid (rules, then a prompt). */
  DecideCall: { parameters: { call: RunCall }; reply: { verdict: RunVerdict } };
}

export type ParamsOf<M extends keyof ApiMethods> = ApiMethods[M]["parameters"];
export type ReplyOf<M extends keyof ApiMethods> = ApiMethods[M]["reply"];

/** One line from client to daemon. */
export interface Call {
  id: CallId;
  /** Fully qualified: "io.sockgate.v1.ListRules". */
  method: string;
  parameters?: Record<string, unknown>;
  /** Required (true) for streaming methods, refused for the others. */
  more?: boolean;
}

/** One line from daemon to client: a reply or an error. `id` is null when the message it answers had no readable id. */
export type Reply =
  | { id: CallId | null; parameters: Record<string, unknown>; continues?: boolean }
  | { id: CallId | null; error: ApiErrorName; message: string; parameters?: Record<string, unknown> };
