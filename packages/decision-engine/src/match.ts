// "@sockgate/decision-engine/match": the pieces createEngine is made of, for a firewall that
// wants to hold its own state: compile a rule list once, decide() purely against it, and
// the address and host-name matching rules use.

export { compileRules } from "./compile.js";
export type { CompiledRule, CompileOptions } from "./compile.js";
export { decide } from "./decide.js";
export { VerdictCache } from "./verdict-cache.js";
export { RuleSet } from "./rule-set.js";
export type { RuleSetOptions } from "./rule-set.js";
export { DnsNameMap, withHostNames } from "./dns-names.js";
export { answerIdentity, isInterpreterPath, rulesFromAnswer } from "./prompt-answer.js";
export { isPathTrusted } from "./rule-matcher.js";
export { RULE_SCHEMA } from "./rule-schema.js";
export { MAX_PRIORITY } from "./rule-types.js";
export { LIST_FORMATS } from "./lists.js";
export { addressKey, addressWords, cidrContains, parseCidr } from "./match-address.js";
export type { AddressWords, Cidr } from "./match-address.js";
export { inDomain, normalizeHostName, parseHostPattern, registrableDomain } from "./match-domain.js";
export type { HostPattern } from "./match-domain.js";
