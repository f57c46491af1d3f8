import { SockgateError } from "@sockgate/protocol";

// A stand-in for the decision-engine's parseRule, strict enough to test that the store
// validates on the way in and out: known fields only, each checked, errors naming the field.

export interface TestRule {
  id: string;
  owner: { kind: "user"; uid: number } | { kind: "system" };
  action: "allow" | "deny" | "ask";
  exe?: string;
  note?: string;
  version?: number;
}

const FIELDS = new Set(["id", "owner", "action", "exe", "note", "version"]);

function fail(field: string, expected: string, received: unknown): never {
  throw new SockgateError("SG_ERR_RULE_INVALID", `${field}: expected ${expected}, received ${JSON.stringify(received)}`);
}

export function parseTestRule(json: unknown): TestRule {
  if (typeof json !== "object" || json === null || Array.isArray(json)) fail("rule", "an object", json);
  const r = json as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!FIELDS.has(k)) fail(`/${k}`, "no such field", r[k]);
  if (typeof r.id !== "string" || r.id === "") fail("/id", "a non-empty string", r.id);
  const o = r.owner as Record<string, unknown> | undefined;
  if (o?.kind !== "system" && !(o?.kind === "user" && Number.isInteger(o.uid))) fail("/owner", "a user or the system", o);
  if (r.action !== "allow" && r.action !== "deny" && r.action !== "ask") fail("/action", "allow, deny or ask", r.action);
  if (r.exe !== undefined && typeof r.exe !== "string") fail("/exe", "a string", r.exe);
  if (r.note !== undefined && typeof r.note !== "string") fail("/note", "a string", r.note);
  if (r.version !== undefined && !Number.isInteger(r.version)) fail("/version", "an integer", r.version);
  return structuredClone(r) as unknown as TestRule;
}
