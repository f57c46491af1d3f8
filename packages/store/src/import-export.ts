import { SockgateError } from "@sockgate/protocol";
import { checkFilter, ownerColumns, sameOwner, describeOwner } from "./owner.js";
import { checkRule } from "./rules-repo.js";
import type { CheckedRule, RulesRepo } from "./rules-repo.js";
import { call } from "./sqlite-call.js";
import type { Connection } from "./sqlite-call.js";
import type { Clock, Owner, OwnerFilter, RuleValidator, StorableRule } from "./types.js";

// The export document is versioned apart from the database schema: files outlive databases.
// Version 1: { format: "sockgate-rules", version: 1, exportedAt: ISO-8601, rules: Rule[] }.

export const EXPORT_FORMAT = "sockgate-rules";
export const EXPORT_VERSION = 1;

export interface ExportDocument<R> {
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: string;
  rules: R[];
}

export interface ImportOptions {
  /** merge (default): upsert by id, keep other rules. replace: the imported set replaces the rules in scope. */
  mode?: "merge" | "replace";
  /** Restrict the import to one owner: every rule must belong to it, and replace only removes its rules. */
  owner?: Owner;
}

export interface ImportResult {
  imported: number;
  removed: number;
}

function importError(message: string, cause?: unknown): SockgateError {
  return new SockgateError("SG_ERR_STORE_IMPORT", `import: ${message}; nothing was written`, cause === undefined ? undefined : { cause });
}

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function exportRules<R extends StorableRule>(rules: RulesRepo<R>, clock: Clock, filter: OwnerFilter = { kind: "all" }): string {
  const doc: ExportDocument<R> = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(clock()).toISOString(),
    rules: rules.list(checkFilter(filter)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Parses and validates the whole document before the first write; then one transaction. */
export function importRules<R extends StorableRule>(
  conn: Connection,
  validate: RuleValidator<R>,
  writeChecked: (checked: CheckedRule<R>, what: string) => void,
  text: string,
  options: ImportOptions = {},
): ImportResult {
  const mode = options.mode ?? "merge";
  if (mode !== "merge" && mode !== "replace") throw importError(`mode: expected "merge" or "replace", received ${describe(mode)}`);
  const scope = options.owner === undefined ? undefined : ownerColumns(options.owner, "options.owner");

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw importError(`expected JSON text, received text that does not parse (${(cause as Error).message})`, cause);
  }
  const d = doc as Partial<ExportDocument<unknown>> | null;
  if (typeof d !== "object" || d === null || Array.isArray(d)) throw importError(`expected an object, received ${describe(doc)}`);
  if (d.format !== EXPORT_FORMAT) throw importError(`format: expected "${EXPORT_FORMAT}", received ${describe(d.format)}`);
  if (!Number.isInteger(d.version) || (d.version as number) < 1 || (d.version as number) > EXPORT_VERSION) {
    throw importError(`version: expected an integer 1..${EXPORT_VERSION} (this sockgate reads up to ${EXPORT_VERSION}), received ${describe(d.version)}`);
  }
  if (!Array.isArray(d.rules)) throw importError(`rules: expected an array, received ${describe(d.rules)}`);

  const seen = new Map<string, number>();
  const checked = d.rules.map((raw, i) => {
    let c: CheckedRule<R>;
    try {
      c = checkRule(validate, raw, `rules[${i}]`);
    } catch (cause) {
      const id = (raw as { id?: unknown } | null)?.id;
      const message = (cause as Error).message;
      // Name the rule by id too, unless the validator's message already does.
      const named = typeof id === "string" && !message.includes(JSON.stringify(id)) ? ` (id ${JSON.stringify(id)})` : "";
      throw importError(`rules[${i}]${named}: ${message}`, cause);
    }
    const first = seen.get(c.rule.id);
    if (first !== undefined) throw importError(`rules[${i}].id: expected ids to be unique, received "${c.rule.id}" again (first at rules[${first}])`);
    seen.set(c.rule.id, i);
    if (scope && !sameOwner(scope, c.owner)) {
      throw importError(`rules[${i}].owner: expected ${describeOwner(scope)}, received ${describeOwner(c.owner)}`);
    }
    return c;
  });

  const { db } = conn;
  const run = db.transaction((): ImportResult => {
    let removed = 0;
    if (mode === "replace") {
      removed = scope
        ? db.prepare("DELETE FROM rules WHERE owner_kind = ? AND owner_uid IS ?").run(scope.kind, scope.uid).changes
        : db.prepare("DELETE FROM rules").run().changes;
    }
    checked.forEach((c, i) => {
      try {
        writeChecked(c, `rules[${i}]`);
      } catch (cause) {
        if (cause instanceof SockgateError && cause.code === "SG_ERR_STORE_CONFLICT") throw importError(cause.message, cause);
        throw cause;
      }
    });
    return { imported: checked.length, removed };
  });
  return call(conn, `importJson(${checked.length} rules, ${mode})`, () => run.immediate());
}
