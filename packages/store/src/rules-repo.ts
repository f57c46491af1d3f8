import { SockgateError } from "@sockgate/protocol";
import { checkFilter, ownerColumns, ownerFromColumns } from "./owner.js";
import type { OwnerColumns } from "./owner.js";
import { call } from "./sqlite-call.js";
import type { Connection } from "./sqlite-call.js";
import type { Clock, Owner, OwnerFilter, RuleValidator, StorableRule } from "./types.js";

export interface RulesRepo<R extends StorableRule> {
  /** Validates and writes (insert or replace by id); returns once the write is durable. */
  put(rule: R): R;
  /** Throws SG_ERR_STORE_IO naming the id when the stored row no longer validates. */
  get(id: string): R | undefined;
  /** Removes rule `id` if `owner` owns it; true when a rule was removed. */
  delete(id: string, owner: Owner): boolean;
  /**
   * Rules of exactly this owner (`{kind:"all"}` for every owner), ordered by id. A row that
   * no longer validates is skipped and reported to the store's onSkippedRule, so one bad
   * row never hides the others (the system's denies among them).
   */
  list(filter?: OwnerFilter): R[];
  /** Keeps rule `id` of `owner` but marks it disabled (it decides nothing) or enabled again; false when there is no such rule. */
  setEnabled(id: string, owner: Owner, enabled: boolean): boolean;
  /** Ids of the disabled rules (a put keeps a rule's flag; a new rule is enabled). */
  disabledIds(): string[];
}

/** A stored rule list() left out, and why. */
export interface SkippedRule {
  id: string;
  owner: Owner;
  error: SockgateError;
}

interface RuleRow {
  id: string;
  owner_kind: "user" | "system";
  owner_uid: number | null;
  body: string;
}

const MAX_ID_LENGTH = 256;

/** A validated rule, ready for a row. */
export interface CheckedRule<R> {
  rule: R;
  owner: OwnerColumns;
  body: string;
}

/** Runs the injected validator, then checks the two fields the store itself relies on. */
export function checkRule<R extends StorableRule>(validate: RuleValidator<R>, input: unknown, field = "rule"): CheckedRule<R> {
  let rule: R;
  try {
    rule = validate(input);
  } catch (cause) {
    if (cause instanceof SockgateError) throw cause;
    throw new SockgateError("SG_ERR_RULE_INVALID", `${field}: ${(cause as Error).message}`, { cause });
  }
  if (typeof rule?.id !== "string" || rule.id.length === 0 || rule.id.length > MAX_ID_LENGTH) {
    throw new SockgateError(
      "SG_ERR_RULE_INVALID",
      `${field}.id: expected a string of 1..${MAX_ID_LENGTH} characters, received ${JSON.stringify(rule?.id)}`,
    );
  }
  return { rule, owner: ownerColumns(rule.owner, `${field}.owner`), body: JSON.stringify(rule) };
}

export function createRulesRepo<R extends StorableRule>(
  conn: Connection,
  validate: RuleValidator<R>,
  clock: Clock,
  onSkipped: (skipped: SkippedRule) => void,
): RulesRepo<R> & { writeChecked(checked: CheckedRule<R>, what: string): void; getOwned(id: string, owner: Owner): R | undefined } {
  const { db } = conn;
  // The WHERE makes an upsert that would change the owner a no-op (changes = 0), so a user's
  // write can never take over another owner's rule id; no read-then-write race.
  const upsert = db.prepare<[string, string, number | null, string, number]>(
    `INSERT INTO rules (id, owner_kind, owner_uid, body, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
     WHERE owner_kind = excluded.owner_kind AND owner_uid IS excluded.owner_uid`,
  );
  const byId = db.prepare<[string], RuleRow>("SELECT id, owner_kind, owner_uid, body FROM rules WHERE id = ?");
  const byIdOwned = db.prepare<[string, string, number | null], RuleRow>(
    "SELECT id, owner_kind, owner_uid, body FROM rules WHERE id = ? AND owner_kind = ? AND owner_uid IS ?",
  );
  const remove = db.prepare<[string, string, number | null]>("DELETE FROM rules WHERE id = ? AND owner_kind = ? AND owner_uid IS ?");
  const setFlag = db.prepare<[number, string, string, number | null]>("UPDATE rules SET enabled = ? WHERE id = ? AND owner_kind = ? AND owner_uid IS ?");
  const disabled = db.prepare<[], string>("SELECT id FROM rules WHERE enabled = 0 ORDER BY id").pluck();
  const listAll = db.prepare<[], RuleRow>("SELECT id, owner_kind, owner_uid, body FROM rules ORDER BY id");
  const listSystem = db.prepare<[], RuleRow>(
    "SELECT id, owner_kind, owner_uid, body FROM rules WHERE owner_kind = 'system' ORDER BY id",
  );
  const listUser = db.prepare<[number], RuleRow>(
    "SELECT id, owner_kind, owner_uid, body FROM rules WHERE owner_kind = 'user' AND owner_uid = ? ORDER BY id",
  );

  // Rows are validated again on the way out: a row written under an older schema, or edited
  // by hand, fails here naming its id instead of reaching the engine malformed.
  function fromRow(row: RuleRow): R {
    let json: unknown;
    try {
      json = JSON.parse(row.body);
    } catch (cause) {
      throw new SockgateError("SG_ERR_STORE_IO", `rule "${row.id}" on disk is not valid JSON: ${(cause as Error).message}`, {
        cause,
      });
    }
    try {
      return checkRule(validate, json, `stored rule "${row.id}"`).rule;
    } catch (cause) {
      throw new SockgateError(
        "SG_ERR_STORE_IO",
        `rule "${row.id}" on disk no longer validates: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  function writeChecked(checked: CheckedRule<R>, what: string): void {
    const { rule, owner, body } = checked;
    const info = upsert.run(rule.id, owner.kind, owner.uid, body, clock());
    if (info.changes === 0) {
      // Says nothing of whose the rule is or what it holds: the writer may be another user.
      throw new SockgateError("SG_ERR_STORE_CONFLICT", `${what}: rule id "${rule.id}" is taken by a rule of another owner; expected an id that is free or the writer's own`);
    }
  }

  return {
    writeChecked,
    put(rule) {
      const checked = checkRule(validate, rule);
      return call(conn, `rules.put("${checked.rule.id}")`, () => {
        writeChecked(checked, "rules.put");
        return checked.rule;
      });
    },
    get(id) {
      return call(conn, `rules.get("${id}")`, () => {
        const row = byId.get(id);
        return row ? fromRow(row) : undefined;
      });
    },
    getOwned(id, owner) {
      const o = ownerColumns(owner, "owner");
      return call(conn, `rules.get("${id}")`, () => {
        const row = byIdOwned.get(id, o.kind, o.uid);
        return row ? fromRow(row) : undefined;
      });
    },
    delete(id, owner) {
      const o = ownerColumns(owner, "rules.delete owner");
      return call(conn, `rules.delete("${id}")`, () => remove.run(id, o.kind, o.uid).changes > 0);
    },
    setEnabled(id, owner, enabled) {
      const o = ownerColumns(owner, "rules.setEnabled owner");
      return call(conn, `rules.setEnabled("${id}")`, () => setFlag.run(enabled ? 1 : 0, id, o.kind, o.uid).changes > 0);
    },
    disabledIds() {
      return call(conn, "rules.disabledIds", () => disabled.all());
    },
    list(filter = { kind: "all" }) {
      const f = checkFilter(filter);
      return call(conn, `rules.list(${JSON.stringify(f)})`, () => {
        const rows = f.kind === "all" ? listAll.all() : f.kind === "system" ? listSystem.all() : listUser.all(f.uid);
        const out: R[] = [];
        for (const row of rows) {
          try {
            out.push(fromRow(row));
          } catch (error) {
            if (!(error instanceof SockgateError)) throw error;
            onSkipped({ id: row.id, owner: ownerFromColumns(row.owner_kind, row.owner_uid), error });
          }
        }
        return out;
      });
    },
  };
}
