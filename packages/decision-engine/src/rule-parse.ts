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
  if (rule.duration.kind === "minutes" && rule.createdAt === undefined) {
    return `createdAt: missing; a "minutes" duration counts from it (milliseconds since the epoch)`;
  }
  if (rule.owner.kind === "user" && typeof m.user === "number" && m.user !== rule.owner.uid) {
    return `match.user: a rule owned by uid ${rule.owner.uid} applies to that user's processes only; received uid ${m.user}, which it could never match`;
  }
  return undefined;
}

/** Validate `json` against rule schema v1; returns it typed as a Rule (a deep copy). */
export function parseRule(json: unknown): Rule {
  const shape = schemaProblem(json);
  if (shape !== undefined) throw invalid(json, `field ${shape}`);
  const rule = structuredClone(json) as Rule;
  const meaning = semanticProblem(rule);
  if (meaning !== undefined) throw invalid(json, `field ${meaning}`);
  return rule;
}
