// Every method of io.sockgate.v1: what it does, the definitions of its parameters and its
// reply, whether it streams, and the errors it can end with besides those any call can.

import type { ApiErrorName } from "./errors.js";
import type { MethodName } from "./interface.js";
import { SUBSCRIBE_TOPICS } from "./types-methods.js";
import { bool, closed, list, oneOfStrings, open, ref, tagged, text, uint32 } from "./schema-common.js";
import type { Schema } from "./schema-common.js";

export interface MethodSpec {
  description: string;
  /** Definition names in the schema. */
  parameters: string;
  reply: string;
  /** Called with `more: true`; replies carry `continues: true` until the last. */
  streaming: boolean;
  errors: readonly ApiErrorName[];
}

/** Errors any call can end with. */
export const COMMON_ERRORS: readonly ApiErrorName[] = [
  "io.sockgate.InvalidMessage",
  "io.sockgate.MessageTooLarge",
  "io.sockgate.UnknownMethod",
  "io.sockgate.VersionUnsupported",
  "io.sockgate.HandshakeRequired",
  "io.sockgate.InvalidParameter",
  "io.sockgate.LimitExceeded",
  "io.sockgate.Unavailable",
  "io.sockgate.InternalError",
];

const topics = { ...list(oneOfStrings(SUBSCRIBE_TOPICS), SUBSCRIBE_TOPICS.length), minItems: 1, uniqueItems: true };

const event = tagged(
  "type",
  {
    subscribed: { properties: { topics }, required: ["topics"] },
    prompt: { properties: { prompt: ref("Prompt") }, required: ["prompt"] },
    "prompt-settled": { properties: { promptId: ref("PromptId"), outcome: ref("PromptOutcome") }, required: ["promptId", "outcome"] },
    activity: { properties: { activity: ref("Activity") }, required: ["activity"] },
    lagged: { properties: { dropped: uint32 }, required: ["dropped"] },
    ended: { properties: { reason: oneOfStrings(["cancelled", "shutdown"]) }, required: ["reason"] },
  },
  "open",
);

const answerParameters = closed({ promptId: ref("PromptId"), answer: ref("PromptAnswer") }, ["promptId", "answer"]);
const ruleReply = open({ rule: ref("RuleEntry") }, ["rule"]);

export const METHOD_DEFINITIONS: Record<string, Schema> = {
  HelloParameters: closed(
    {
      versions: { ...list(text(64, 1), 16), minItems: 1 },
      client: closed({ name: text(64, 1), version: text(64) }, ["name"]),
    },
    ["versions"],
  ),
  HelloReply: open(
    {
      interface: text(64, 1),
      server: open({ name: text(64), version: text(64) }, ["name", "version"]),
      peer: ref("PeerInfo"),
      limits: open({ maxMessageBytes: uint32 }, ["maxMessageBytes"]),
    },
    ["interface", "server", "peer", "limits"],
  ),
  SubscribeParameters: closed({ topics }, ["topics"]),
  SubscriptionEvent: event,
  SubscribeReply: open({ event: ref("SubscriptionEvent") }, ["event"]),
  CancelParameters: closed({ call: ref("CallId") }, ["call"]),
  ListPromptsReply: open({ prompts: list(ref("Prompt"), 10_000) }, ["prompts"]),
  AnswerParameters: answerParameters,
  PreviewAnswerReply: open({ rules: list(ref("Rule"), 1024) }, ["rules"]),
  AnswerPromptReply: open({ outcome: ref("PromptOutcome") }, ["outcome"]),
  ListRulesParameters: closed({ owner: ref("OwnerSelector") }),
  ListRulesReply: open({ rules: list(ref("RuleEntry")) }, ["rules"]),
  RuleReply: ruleReply,
  AddRuleParameters: closed({ rule: ref("RuleInput"), enabled: bool }, ["rule"]),
  UpdateRuleParameters: closed({ rule: ref("RuleInputWithId") }, ["rule"]),
  ExportRulesParameters: closed({ owner: ref("OwnerSelector") }),
  ExportRulesReply: open({ document: ref("ExportDocument") }, ["document"]),
  ImportRulesParameters: closed(
    { document: ref("ImportDocument"), mode: oneOfStrings(["merge", "replace"]), owner: ref("Owner") },
    ["document"],
  ),
};

const rw: readonly ApiErrorName[] = ["io.sockgate.NotFound", "io.sockgate.PermissionDenied"];

export const METHODS: Readonly<Record<MethodName, MethodSpec>> = {
  Hello: { description: "Settles the interface version; must be the first call. Says who the daemon takes the caller to be.", parameters: "HelloParameters", reply: "HelloReply", streaming: false, errors: ["io.sockgate.VersionUnsupported"] },
  Status: { description: "The daemon's state: shim counters, pending flows and prompts, map usage, governed scope, failure settings. Counters, flows and map usage are everyone's activity: only root and admins get them; anyone else gets their own pending prompt count.", parameters: "Empty", reply: "Status", streaming: false, errors: [] },
  Subscribe: { description: "The caller's prompts (pending ones first) and activity as they happen, until cancelled.", parameters: "SubscribeParameters", reply: "SubscribeReply", streaming: true, errors: [] },
  Cancel: { description: "Ends a streaming call of this connection.", parameters: "CancelParameters", reply: "EmptyReply", streaming: false, errors: ["io.sockgate.NotFound"] },
  ListPrompts: { description: "The caller's pending prompts, oldest first.", parameters: "Empty", reply: "ListPromptsReply", streaming: false, errors: [] },
  PreviewAnswer: { description: "The rules an answer would make, without answering.", parameters: "AnswerParameters", reply: "PreviewAnswerReply", streaming: false, errors: ["io.sockgate.NotFound", "io.sockgate.InvalidAnswer"] },
  AnswerPrompt: { description: "Answers one of the caller's prompts; the answer becomes rules.", parameters: "AnswerParameters", reply: "AnswerPromptReply", streaming: false, errors: [...rw, "io.sockgate.InvalidAnswer"] },
  ListRules: { description: "Rules the caller may see: own and system ones; everyone's for admins.", parameters: "ListRulesParameters", reply: "ListRulesReply", streaming: false, errors: ["io.sockgate.PermissionDenied"] },
  GetRule: { description: "One rule by id.", parameters: "RuleIdParameters", reply: "RuleReply", streaming: false, errors: ["io.sockgate.NotFound"] },
  AddRule: { description: "Adds a rule; a missing id is generated, a missing owner is the caller.", parameters: "AddRuleParameters", reply: "RuleReply", streaming: false, errors: ["io.sockgate.PermissionDenied", "io.sockgate.Conflict", "io.sockgate.InvalidRule"] },
  UpdateRule: { description: "Replaces the rule with the same id; the owner stays.", parameters: "UpdateRuleParameters", reply: "RuleReply", streaming: false, errors: [...rw, "io.sockgate.Conflict", "io.sockgate.InvalidRule"] },
  DeleteRule: { description: "Removes a rule.", parameters: "RuleIdParameters", reply: "EmptyReply", streaming: false, errors: rw },
  EnableRule: { description: "Makes a disabled rule decide again.", parameters: "RuleIdParameters", reply: "RuleReply", streaming: false, errors: rw },
  DisableRule: { description: "Keeps a rule but lets it decide nothing.", parameters: "RuleIdParameters", reply: "RuleReply", streaming: false, errors: rw },
  ExportRules: { description: "A rules export document (the caller's own rules unless `owner` says otherwise).", parameters: "ExportRulesParameters", reply: "ExportRulesReply", streaming: false, errors: ["io.sockgate.PermissionDenied"] },
  ImportRules: { description: "Reads an export document back in, all or nothing.", parameters: "ImportRulesParameters", reply: "ImportResult", streaming: false, errors: ["io.sockgate.PermissionDenied", "io.sockgate.InvalidImport", "io.sockgate.InvalidRule", "io.sockgate.Conflict"] },
  QueryHistory: { description: "Decided calls, newest first, by application, host, verdict and time; the caller's own unless admin.", parameters: "HistoryQuery", reply: "HistoryReply", streaming: false, errors: ["io.sockgate.PermissionDenied"] },
  Supervise: {
    description: "A sockgate run session for the caller's child process, until cancelled: says whether the kernel also governs it, then when the rules change.",
    parameters: "SuperviseParameters",
    reply: "SuperviseReply",
    streaming: true,
    errors: ["io.sockgate.NotFound", "io.sockgate.PermissionDenied", "io.sockgate.InvalidRule"],
  },
  DecideCall: {
    description: "Decides one held socket call of a supervised process, as the caller's uid: rules, then the caller's prompt.",
    parameters: "DecideCallParameters",
    reply: "DecideCallReply",
    streaming: false,
    errors: ["io.sockgate.NotFound", "io.sockgate.PermissionDenied"],
  },
};
