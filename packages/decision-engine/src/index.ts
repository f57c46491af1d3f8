// @sockgate/decision-engine: rules, precedence, decisions, kernel verdicts, prompts,
// host names and lists. Pure TypeScript; nothing here needs root, a kernel or a disk.

export { MAX_PRIORITY, RULE_SCHEMA_VERSION } from "./rule-types.js";
export type { PortSpec, Rule, RuleAction, RuleDuration, RuleMatch, RuleOwner } from "./rule-types.js";
export { RULE_SCHEMA } from "./rule-schema.js";
export { parseRule } from "./rule-parse.js";

export { compileRules, ruleExpiresAt } from "./compile.js";
export type { CompiledRule, CompiledRules, CompileOptions } from "./compile.js";
export { decide } from "./decide.js";
export type { Decision } from "./decide.js";
export { RuleSet } from "./rule-set.js";
export type { RuleSetOptions } from "./rule-set.js";
export { VerdictCache } from "./verdict-cache.js";

export { kernelVerdicts } from "./kernel-verdicts.js";
export type { ExecutableIdentity, KernelVerdictOptions, KernelVerdictPlan } from "./kernel-verdicts.js";
export { diffKernelVerdicts, kernelVerdictKeyString } from "./kernel-verdict-key.js";
export type { KernelVerdict, KernelVerdictKey } from "./kernel-verdict-key.js";

export { FakeClock, systemClock } from "./clock.js";
export type { Clock } from "./clock.js";
export { PromptQueue } from "./prompt-queue.js";
export type { PromptQueueOptions } from "./prompt-queue.js";
export { rulesFromAnswer } from "./prompt-answer.js";
export type { AnswerContext } from "./prompt-answer.js";
export { ANSWER_SCOPES } from "./prompt-types.js";
export type { AnswerDuration, AnswerScope, Prompt, PromptAnswer, PromptDestination, PromptOutcome } from "./prompt-types.js";

export { DnsNameMap, dnsAppKey, withHostNames } from "./dns-names.js";
export type { DnsNameMapOptions } from "./dns-names.js";
export { LIST_FORMATS, NamedList, parseList } from "./lists.js";
export type { ListFormat, ListOptions, ListRegistry } from "./lists.js";

export { addressKey, addressWords, cidrContains, parseCidr } from "./match-address.js";
export type { AddressWords, Cidr } from "./match-address.js";
export { inDomain, normalizeHostName, parseHostPattern } from "./match-domain.js";
export type { HostPattern } from "./match-domain.js";
