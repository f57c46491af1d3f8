// parseRule: JSON in, a Rule out or SG_ERR_RULE_INVALID naming the field and the problem.
// The schema catches shapes; this file catches what a schema cannot say (CIDR host bits,
// reversed port ranges, a user rule that names another user).

import { isSockgateError, SockgateError } from "@sockgate/protocol";
import { parseCidr } from "./match-address.js";
import { parseHostPattern } from "./match-domain.js";
import { schemaProblem } from "./rule-schema.js";
import type { PortSpec, Rule } from "./rule-types.js";

function invalid(json: unknown, problem: string): SockgateError {
  const id = typeof json === "object" && json !== null ? (json as { id?: unknown }).id : undefined;
  const which = typeof id === "string" ? `rule ${JSON.stringify(id)}` : "rule";
  return new SockgateError("SG_ERR_RULE_INVALID", `${which} is invalid: ${problem}`);
}

function portProblem(field: string, spec: PortSpec, min: number): string | undefined {
  if (typeof spec === "number") {
    return spec < min ? `${field}: expected a port ${min}-65535; received ${spec}` : undefined;
  }
  if (spec.from < min || spec.from > spec.to) {
    return `${field}: expected a range with ${min} <= from <= to <= 65535; received ${JSON.stringify(spec)}`;
  }
  return undefined;
}

function semanticProblem(rule: Rule): string | undefined {
  const m = rule.match;
  for (const [i, text] of (m.remoteAddress ?? []).entries()) {
    try {
      parseCidr(text);
    } catch (err) {
      if (!isSockgateError(err)) throw err;
      return `match.remoteAddress[${i}]: ${err.message}`;
    }
  }
  for (const [i, text] of (m.remoteHost ?? []).entries()) {
    if (parseHostPattern(text) === undefined) {
      return `match.remoteHost[${i}]: expected a host name ("www.example.org") or a domain wildcard ("*.example.org"); received ${JSON.stringify(text)}`;
    }
  }
  for (const [i, spec] of (m.remotePort ?? []).entries()) {
    const p = portProblem(`match.remotePort[${i}]`, spec, 1);
    if (p !== undefined) return p;
  }
  for (const [i, spec] of (m.localPort ?? []).entries()) {
    const p = portProblem(`match.localPort[${i}]`, spec, 0);
    if (p !== undefined) return p;
  }
  if (m.noExe === true && (m.exe ?? m.exeGlob ?? m.exeId ?? m.sha256) !== undefined) {
    return `match.noExe: matches processes without an executable, so it cannot be combined with exe, exeGlob, exeId or sha256`;
  }
  if (rule.duration.kind === "minutes" && rule.createdAt === undefined) {
    return `createdAt: missing; a "minutes" duration counts from it (milliseconds since the epoch)`;
  }
  if (rule.owner.kind === "user" && m.appId?.kind === "user-unit" && m.appId.uid !== rule.owner.uid) {
    return `match.appId.uid: a rule owned by uid ${rule.owner.uid} applies to that user's processes only; received a unit of uid ${m.appId.uid}`;
  }
  if (rule.owner.kind === "user" && typeof m.user === "number" && m.user !== rule.owner.uid) {
    return `match.user: a rule owned by uid ${rule.owner.uid} applies to that user's processes only; received uid ${m.user}, which it could never match`;
  }
  return undefined;
}

// Rules parseRule made: deep-frozen, so what compile caches per rule object can never go
// stale and what decide() and kernelVerdicts read is the same rule.
const parsed = new WeakSet<Rule>();

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** True for a rule parseRule returned (and so deep-frozen and valid). */
export function isParsedRule(rule: unknown): rule is Rule {
  return typeof rule === "object" && rule !== null && parsed.has(rule as Rule);
}

/**
 * Validate `json` against rule schema v1; returns it typed as a Rule: a deep copy, deep-
 * frozen, so no later edit of either object can change what a compiled rule set holds.
 */
export function parseRule(json: unknown): Rule {
  if (isParsedRule(json)) return json;
  const shape = schemaProblem(json);
  if (shape !== undefined) throw invalid(json, `field ${shape}`);
  const rule = structuredClone(json) as Rule;
  const meaning = semanticProblem(rule);
  if (meaning !== undefined) throw invalid(json, `field ${meaning}`);
  parsed.add(deepFreeze(rule));
  return rule;
}
