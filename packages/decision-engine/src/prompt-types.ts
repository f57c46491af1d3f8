// What the prompt queue hands to a UI and what it takes back. All plain JSON.

import type { AppIdentity, RequestOperation, RequestProtocol } from "@sockgate/protocol";
import type { Rule } from "./rule-types.js";

export interface PromptDestination {
  /** The peer's address; the local one for bind and listen. */
  address?: string;
  /** The peer's port for connect and send; the local port for bind, listen and accept. */
  port?: number;
  /** The first host name the application resolved to the address, if any. */
  host?: string;
  /** Every host name it resolved to that address, when more than one (at most 8). */
  hosts?: string[];
  /** connect and send: the caller's own port, when the socket was bound before the call. */
  localPort?: number;
}

/** At most this many destinations stand behind one prompt; a further one opens another prompt. */
export const MAX_PROMPT_DESTINATIONS = 32;

export interface Prompt {
  id: string;
  uid: number;
  /** "many": this application asked about more new destinations than the rate limit allows. */
  kind: "single" | "many";
  /** Who asks, as the answer's rules will name it (see README "Prompts"). */
  app: AppIdentity;
  operation: RequestOperation;
  protocol: RequestProtocol;
  /** The destination asked about ("single"), or the first one ("many"). */
  destination: PromptDestination;
  /** Every destination this prompt stands for, in the order asked; at most MAX_PROMPT_DESTINATIONS. */
  destinations: PromptDestination[];
  /** Requests waiting on this prompt. */
  requests: number;
  createdAt: number;
  deadline: number;
}

export const ANSWER_SCOPES = ["host-port", "host", "domain", "any"] as const;
export type AnswerScope = (typeof ANSWER_SCOPES)[number];

export type AnswerDuration = "once" | "process" | "reboot" | "forever" | { minutes: number };

export interface PromptAnswer {
  action: "allow" | "deny";
  scope: AnswerScope;
  duration: AnswerDuration;
}

export interface PromptOutcome {
  promptId: string;
  action: "allow" | "deny";
  /** "rule": a rule made meanwhile (another answer) decided this request. */
  answeredBy: "user" | "timeout" | "queue-full" | "rule";
  /** One sentence: who or what settled it, and how. */
  reason: string;
  /** Rules the answer made (none for a timeout); once-rules settle only this prompt. */
  rules: Rule[];
}
