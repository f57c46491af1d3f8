import { parseRule } from "@sockgate/decision-engine";
import type { Rule } from "@sockgate/decision-engine";
import { SockgateError } from "@sockgate/protocol";
import { checkRetention, createHistoryRepo } from "./history-repo.js";
import type { HistoryQuery, HistoryRepo, RetentionPolicy, StoredHistoryEntry } from "./history-repo.js";
import { exportRules, importRules } from "./import-export.js";
import type { ImportOptions, ImportResult } from "./import-export.js";
import { checkPath, openConnection, openError } from "./connection.js";
import { createRulesRepo } from "./rules-repo.js";
import { ownerColumns } from "./owner.js";
import type { RulesRepo, SkippedRule } from "./rules-repo.js";
import type { Connection } from "./sqlite-call.js";
import type { Clock, OwnerFilter, RuleValidator, StorableRule } from "./types.js";

export interface StoreOptions<R extends StorableRule> {
  /** The database file, created if absent; SQLite keeps its -wal and -shm files beside it. */
  path: string;
  /**
   * Turns JSON into a rule or throws SG_ERR_RULE_INVALID naming the field. Defaults to the
   * decision-engine's parseRule (rule schema v1); pass another to store another rule type.
   */
  validateRule: RuleValidator<R>;
  /** History limits; defaults 100,000 rows and 30 days. */
  retention?: Partial<RetentionPolicy>;
  /** Milliseconds since the epoch; defaults to Date.now. */
  clock?: Clock;
  /** How long a write waits for another connection's lock before failing; default 5,000 ms. */
  busyTimeoutMs?: number;
  /** Told about each stored rule list() skips because it no longer validates (once per row and body). */
  onSkippedRule?: (skipped: SkippedRule) => void;
}

/**
 * One user's part of the store, for serving that user's requests: only their own rules
 * can be read, written or removed, and only their own history is queried. A rule id held
 * by someone else looks like an id that does not exist (a write to it is refused without
 * saying whose it is).
 */
export interface UserStore<R extends StorableRule> {
  readonly uid: number;
  readonly rules: {
    /** SG_ERR_STORE_FORBIDDEN unless the rule's owner is this user. */
    put(rule: R): R;
    get(id: string): R | undefined;
    delete(id: string): boolean;
    list(): R[];
  };
  readonly history: { query(q?: Omit<HistoryQuery, "uid">): StoredHistoryEntry[] };
  exportJson(): string;
  /** Every rule must be this user's; "replace" replaces this user's rules only. */
  importJson(text: string, options?: { mode?: "merge" | "replace" }): ImportResult;
}

export interface Store<R extends StorableRule> {
  readonly path: string;
  /** The schema version the file had before this open (0 for a new file). */
  readonly migratedFrom: number;
  readonly rules: RulesRepo<R>;
  readonly history: HistoryRepo;
  exportJson(filter?: OwnerFilter): string;
  importJson(text: string, options?: ImportOptions): ImportResult;
  /** The view of one user (see UserStore). */
  forUser(uid: number): UserStore<R>;
  close(): void;
}

/** Default rule type: the decision-engine's Rule, validated by its parseRule. */
export function openStore(options: Omit<StoreOptions<Rule>, "validateRule"> & { validateRule?: undefined }): Store<Rule>;
export function openStore<R extends StorableRule>(options: StoreOptions<R>): Store<R>;
export function openStore<R extends StorableRule>(
  options: Omit<StoreOptions<R>, "validateRule"> & { validateRule?: RuleValidator<R> },
): Store<R> {
  const path = checkPath(options?.path);
  const validateRule = options?.validateRule ?? (parseRule as unknown as RuleValidator<R>);
  if (typeof validateRule !== "function") throw openError(path, `validateRule: expected a function or nothing, received ${typeof validateRule}`);
  const retention = checkRetention(options.retention);
  const clock = options.clock ?? Date.now;
  const { db, migratedFrom } = openConnection(path, options.busyTimeoutMs);
  const conn: Connection = { db, path, closed: false };
  const reported = new Set<string>();
  const onSkipped = (s: SkippedRule): void => {
    const key = JSON.stringify([s.id, s.error.message]);
    if (reported.has(key)) return;
    reported.add(key);
    options.onSkippedRule?.(s);
  };
  const rules = createRulesRepo(conn, validateRule, clock, onSkipped);
  const history = createHistoryRepo(conn, retention, clock);
  const { writeChecked, getOwned, ...publicRules } = rules;
  const exportJson = (filter?: OwnerFilter): string => exportRules(publicRules, clock, filter);
  const importJson = (text: string, opts?: ImportOptions): ImportResult => importRules(conn, validateRule, writeChecked, text, opts);

  function forUser(uid: number): UserStore<R> {
    const owner = ownerColumns({ kind: "user", uid }, "forUser uid");
    const me = { kind: "user" as const, uid: owner.uid as number };
    return {
      uid: me.uid,
      rules: {
        put(rule) {
          const o = (rule as Partial<StorableRule> | null)?.owner;
          if (o?.kind !== "user" || o.uid !== me.uid) {
            throw new SockgateError("SG_ERR_STORE_FORBIDDEN", `rules.put: uid ${me.uid} may write its own rules only; expected owner {"kind":"user","uid":${me.uid}}, received ${JSON.stringify(o) ?? String(o)}`);
          }
          return publicRules.put(rule);
        },
        get: (id) => getOwned(id, me),
        delete: (id) => publicRules.delete(id, me),
        list: () => publicRules.list(me),
      },
      history: { query: (q = {}) => history.query({ ...q, uid: me.uid }) },
      exportJson: () => exportJson(me),
      importJson: (text, opts = {}) => importJson(text, { ...opts, owner: me }),
    };
  }

  return {
    path,
    migratedFrom,
    rules: publicRules,
    history,
    exportJson,
    importJson,
    forUser,
    close() {
      if (conn.closed) return;
      conn.closed = true;
      db.close();
    },
  };
}
