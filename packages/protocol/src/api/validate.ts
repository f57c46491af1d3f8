// Checks a value against one definition of the io.sockgate.v1 schema with ajv, and turns
// ajv's first error into one sentence that names the member, says what was expected and
// echoes what was received. Validators are compiled on first use and kept.

import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import { API_SCHEMA, API_SCHEMA_ID } from "./schema.js";

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function validator(definition: string): ValidateFunction {
  let v = validators.get(definition);
  if (v !== undefined) return v;
  if (ajv === undefined) {
    ajv = new Ajv({ strict: true, allowUnionTypes: true, discriminator: true, allErrors: false, verbose: true });
    ajv.addSchema(API_SCHEMA);
  }
  v = ajv.getSchema(`${API_SCHEMA_ID}#/definitions/${definition}`);
  if (v === undefined) throw new Error(`io.sockgate.v1 schema: no definition ${JSON.stringify(definition)}`);
  validators.set(definition, v);
  return v;
}

export interface Problem {
  /** The member at fault, e.g. "parameters.rule.owner.uid". */
  field: string;
  sentence: string;
}

/** "/rule/owner" under "parameters" -> "parameters.rule.owner"; "/rules/0" -> "...rules[0]". */
function fieldName(root: string, instancePath: string, child?: string): string {
  const parts = instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) parts.push(child);
  let out = root;
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === "" ? p : `.${p}`;
  return out === "" ? "(the message)" : out;
}

function shown(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    // a value nested deeper than the stack (any client can send one): its error must not throw
    return "(a value nested too deeply to show)";
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** One alternative of a oneOf branch, for "expected A or B". */
function form(branch: Record<string, unknown>): string {
  if (Array.isArray(branch.enum)) return branch.enum.map((v) => JSON.stringify(v)).join(", ");
  if ("const" in branch) return JSON.stringify(branch.const);
  if (branch.type === "object") return `{${((branch.required as string[] | undefined) ?? []).join(", ")}}`;
  return String(branch.type);
}

/** The values a tagged union's tag can take: "system", "user". */
function tags(err: ErrorObject, tag: string): string {
  const branches = (err.parentSchema?.oneOf as { properties: Record<string, { const: unknown }> }[] | undefined) ?? [];
  return branches.map((b) => JSON.stringify(b.properties[tag]?.const)).join(", ");
}

function expected(err: ErrorObject): string {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case "type":
      return `${String(p.type).replace(/,/g, " or ")}`;
    case "enum":
      return `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return JSON.stringify(p.allowedValue);
    case "minimum":
    case "maximum":
      return `${err.parentSchema?.type === "integer" ? "an integer" : "a number"} ${err.keyword === "minimum" ? ">=" : "<="} ${String(p.limit)}`;
    case "minLength":
    case "maxLength":
      return `a string of ${err.keyword === "minLength" ? "at least" : "at most"} ${String(p.limit)} characters`;
    case "minItems":
    case "maxItems":
      return `an array of ${err.keyword === "minItems" ? "at least" : "at most"} ${String(p.limit)} items`;
    case "uniqueItems":
      return "items without repeats";
    case "pattern":
      return `a string matching ${String(p.pattern)}`;
    case "oneOf":
      return (err.schema as Record<string, unknown>[]).map(form).join(" or ");
    case "discriminator":
      return p.error === "mapping" ? `${String(p.tag)} one of ${tags(err, String(p.tag))}` : `a string member ${JSON.stringify(p.tag)}`;
    default:
      return err.message ?? err.keyword;
  }
}

function describe(err: ErrorObject, root: string): Problem {
  const p = err.params as Record<string, unknown>;
  if (err.keyword === "required") {
    const field = fieldName(root, err.instancePath, String(p.missingProperty));
    return { field, sentence: `${field}: missing` };
  }
  if (err.keyword === "additionalProperties") {
    const field = fieldName(root, err.instancePath, String(p.additionalProperty));
    const allowed = Object.keys((err.parentSchema?.properties as object | undefined) ?? {});
    return { field, sentence: `${field}: unknown member; expected ${allowed.length === 0 ? "none" : `one of ${allowed.join(", ")}`}` };
  }
  const field = fieldName(root, err.instancePath);
  return { field, sentence: `${field}: expected ${expected(err)}, received ${shown(err.data)}` };
}

// For a oneOf, ajv reports each branch's failure before its own; the oneOf error says more.
function firstUseful(errors: readonly ErrorObject[]): ErrorObject {
  return errors.find((e) => e.keyword === "oneOf" || e.keyword === "discriminator") ?? errors[0]!;
}

/** Undefined when `value` follows definition `definition`; else what is wrong, with member names under `root`. */
export function checkAgainst(definition: string, value: unknown, root: string): Problem | undefined {
  const v = validator(definition);
  if (v(value)) return undefined;
  return describe(firstUseful(v.errors ?? []), root);
}
