// "@sockgate/protocol/client": sockgated's client API, io.sockgate.v1. The typed client
// (connect) for any UI, the interface as data (API_DESCRIPTION, API_SCHEMA, METHODS), the
// named errors, and the framing and checks a server needs to speak the same interface.
// This subpath uses node:net; the package root does not.

export { connect } from "./client.js";
export type { ApiClient, ConnectOptions, SubscribeOptions } from "./client.js";
export type { Subscription } from "./subscription.js";

export { API_ERRORS, API_ERROR_NAMES, ApiError, isApiError } from "./errors.js";
export type { ApiErrorInfo, ApiErrorName } from "./errors.js";

export { API_INTERFACE, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SOCKET_PATH, METHOD_NAMES, STREAMING_METHODS, SUPPORTED_INTERFACES, qualifiedName } from "./interface.js";
export type { MethodName } from "./interface.js";
export { API_DESCRIPTION, API_SCHEMA, API_SCHEMA_ID } from "./schema.js";
export { COMMON_ERRORS, METHODS } from "./schema-methods.js";
export type { MethodSpec } from "./schema-methods.js";

// For servers (sockgated's src/api uses these): the same framing and checks as the client.
export { LineReader, encodeLine } from "./framing.js";
export type { Frame } from "./framing.js";
export { CallError, checkParameters, decodeCall, decodeReply, errorReply, replyProblem } from "./messages.js";
export type { DecodedCall } from "./messages.js";

export { SUBSCRIBE_TOPICS } from "./types-methods.js";
export type { ApiMethods, Call, HelloParameters, HelloReply, ParamsOf, Reply, ReplyOf, SubscribeTopic, SubscriptionEvent } from "./types-methods.js";
export type { CallId, Owner, OwnerSelector, PeerInfo } from "./types-common.js";
export { ANSWER_ACTIONS, ANSWER_DURATIONS, ANSWER_SCOPES, ANSWERED_BY } from "./types-prompts.js";
export type { AnswerDuration, AnswerScope, ApiPrompt, PromptAnswer, PromptDestination, PromptOutcome } from "./types-prompts.js";
export type { ApiRule, ExportDocument, ImportResult, RuleEntry, RuleInput } from "./types-rules.js";
export type { ActivityEntry, HistoryEntry, HistoryQuery } from "./types-history.js";
export type { Status } from "./types-status.js";
export type { RunCall, RunEndpoint, RunProfile, RunVerdict, SuperviseParameters, SupervisionEvent } from "./types-run.js";
export type { Supervision } from "./client-supervise.js";
