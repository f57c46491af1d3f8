// @sockgate/decision-engine: one engine object (createEngine) that decides, asks and keeps
// rules, plus what a caller needs to feed it. Pure TypeScript; nothing here needs root, a
// kernel or a disk. Utilities: "@sockgate/decision-engine/match" (compile, decide, address
// and name matching) and "@sockgate/decision-engine/kernel" (kernel verdict planning).

export { createEngine } from "./engine.js";
export type { Engine, EngineOptions, EnginePrompts, EngineRules, RuleChange } from "./engine.js";
export { parseRule } from "./rule-parse.js";
export { parseList } from "./lists.js";
export type { ListFormat, ListOptions, NamedList } from "./lists.js";
export { FakeClock, systemClock } from "./clock.js";
export type { Clock } from "./clock.js";
export { ANSWER_SCOPES, MAX_PROMPT_DESTINATIONS } from "./prompt-types.js";
export type { AnswerDuration, AnswerScope, Prompt, PromptAnswer, PromptDestination, PromptOutcome } from "./prompt-types.js";
export { RULE_SCHEMA_VERSION } from "./rule-types.js";
export type { ExeId, PortSpec, Rule, RuleAction, RuleAppId, RuleDuration, RuleMatch, RuleOwner } from "./rule-types.js";
export type { Decision } from "./decide.js";
export type { CompiledRules } from "./compile.js";
export type { DnsAnswer, DnsApp } from "./dns-names.js";
export type { ProcessRef } from "./rule-set.js";

// Re-exported so a caller needs no second import for the types it hands the engine.
export { SockgateError, isSockgateError } from "@sockgate/protocol";
export type { AppIdentity, Request, SockgateErrorCode } from "@sockgate/protocol";
