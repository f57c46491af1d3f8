// Prompts as a UI shows them and answers as it sends them back. The shapes are those of
// @sockgate/decision-engine's prompt queue (src/prompt-types.ts) plus what the daemon adds
// (the answer that applies at the deadline, notes); protocol does not import the engine.

import type { AppIdentity, RequestOperation, RequestProtocol } from "../request.js";
import type { ApiRule } from "./types-rules.js";

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

export interface ApiPrompt {
  id: string;
  /** The user whose process asks; only that user's connections receive or answer it. */
  uid: number;
  /** "many": the application asked about more new destinations than the rate limit allows; `destinations` lists them. */
  kind: "single" | "many";
  /** Who asks: executable, pid, user, parent, command line, app id, flags (deleted, ld_preload, ...). */
  app: AppIdentity;
  operation: RequestOperation;
  protocol: RequestProtocol;
  /** The destination asked about ("single"), or the first one ("many"). */
  destination: PromptDestination;
  destinations: PromptDestination[];
  /** Calls waiting on this prompt (identical questions are coalesced into one prompt). */
  requests: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** When the prompt times out (ms since the epoch) and `timeoutAction` applies. */
  deadline: number;
  timeoutAction: "allow" | "deny";
  /** Sentences the daemon adds, e.g. "the rule by sha256 for this program no longer matches: it was upgraded". */
  notes?: string[];
}

export const ANSWER_ACTIONS = ["allow", "deny"] as const;
/** host-port: this host and port; host: this host; domain: its registrable domain; any: any destination. */
export const ANSWER_SCOPES = ["host-port", "host", "domain", "any"] as const;
export type AnswerScope = (typeof ANSWER_SCOPES)[number];
/** once; until the application quits; until reboot; forever; or for a number of minutes. */
export const ANSWER_DURATIONS = ["once", "process", "reboot", "forever"] as const;
export type AnswerDuration = (typeof ANSWER_DURATIONS)[number] | { minutes: number };

export interface PromptAnswer {
  action: (typeof ANSWER_ACTIONS)[number];
  scope: AnswerScope;
  duration: AnswerDuration;
}

/** Who or what settled a prompt: "nobody-listening" when its user had no UI subscribed, "shutdown" when the daemon stopped. */
export const ANSWERED_BY = ["user", "timeout", "queue-full", "rule", "nobody-listening", "shutdown"] as const;

export interface PromptOutcome {
  promptId: string;
  action: "allow" | "deny";
  answeredBy: (typeof ANSWERED_BY)[number];
  /** One sentence: who or what settled it, and how. */
  reason: string;
  /** Rules the answer made (none for a timeout). */
  rules: ApiRule[];
}
