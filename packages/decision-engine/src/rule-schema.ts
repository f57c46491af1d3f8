// The committed JSON Schema (schema/rule.v1.schema.json), compiled once with ajv, and the
// translation of ajv's first error into a sentence naming the field and the problem.

import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import ruleSchemaJson from "../schema/rule.v1.schema.json" with { type: "json" };
import type { Rule, RuleMatch } from "./rule-types.js";

export const RULE_SCHEMA: Readonly<Record<string, unknown>> = ruleSchemaJson;

/** Every field of Rule and RuleMatch; `satisfies` makes the compiler list them all. */
export const RULE_FIELDS = {
  schemaVersion: true,
  id: true,
  owner: true,
  action: true,
  priority: true,
  duration: true,
  createdAt: true,
  match: true,
  note: true,
} as const satisfies Record<keyof Rule, true>;

export const MATCH_FIELDS = {
  exe: true,
  exeGlob: true,
  exeId: true,
  noExe: true,
  sha256: true,
  user: true,
  appId: true,
  parentExe: true,
  argv: true,
  cmdline: true,
  operation: true,
  protocol: true,
  family: true,
  remoteAddress: true,
  remoteHost: true,
  list: true,
  remotePort: true,
  localPort: true,
} as const satisfies Record<keyof RuleMatch, true>;

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  validator ??= new Ajv({ strict: true, allowUnionTypes: true, discriminator: true, allErrors: false, verbose: true }).compile(
    ruleSchemaJson,
  );
  return validator;
}

/** "/match/remotePort/0" -> "match.remotePort[0]". */
export function fieldName(instancePath: string, child?: string): string {
  const parts = instancePath.split("/").slice(1);
  if (child !== undefined) parts.push(child);
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === "" ? p : `.${p}`;
  return out === "" ? "(the rule itself)" : out;
}

function received(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let v = root;
  for (const p of instancePath.split("/").slice(1)) {
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[p.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return v;
}

function describe(err: ErrorObject, root: unknown): string {
  const value = valueAt(root, err.instancePath);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case "required":
      return `${fieldName(err.instancePath, String(p.missingProperty))}: missing; it is required`;
    case "additionalProperties": {
      const parent = err.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(parent?.properties ?? {}).join(", ");
      return `${fieldName(err.instancePath, String(p.additionalProperty))}: unknown field; expected one of ${known}`;
    }
    case "enum":
      return `${fieldName(err.instancePath)}: expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}; received ${received(value)}`;
    case "const":
      return `${fieldName(err.instancePath)}: expected ${JSON.stringify(p.allowedValue)}; received ${received(value)}`;
    case "discriminator": {
      const tag = String(p.tag);
      const parent = err.parentSchema as { oneOf?: Array<{ properties?: Record<string, { const?: unknown }> }> } | undefined;
      const tags = (parent?.oneOf ?? []).map((s) => JSON.stringify(s.properties?.[tag]?.const)).join(", ");
      const tagValue = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[tag] : undefined;
      return `${fieldName(err.instancePath, tag)}: expected one of ${tags}; received ${received(tagValue)}`;
    }
    case "type": {
      // A schema "description" says what a value should look like better than a type list.
      const described = (err.parentSchema as { description?: string } | undefined)?.description;
      const expected = described ?? String(p.type).split(",").join(" or ");
      return `${fieldName(err.instancePath)}: expected ${expected}; received ${received(value)}`;
    }
    default:
      return `${fieldName(err.instancePath)}: ${err.message ?? err.keyword}; received ${received(value)}`;
  }
}

/** Undefined when `json` follows the schema, else a sentence about the first problem. */
export function schemaProblem(json: unknown): string | undefined {
  const v = validate();
  if (v(json)) return undefined;
  const err = v.errors?.[0];
  return err === undefined ? "does not follow the rule schema" : describe(err, json);
}
