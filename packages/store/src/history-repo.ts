import { SockgateError } from "@sockgate/protocol";
import { call } from "./sqlite-call.js";
import type { Connection } from "./sqlite-call.js";
import type { Clock } from "./types.js";

/** One decided (or attempted) connection, as the history pane shows it. */
export interface HistoryEntry {
  /** Milliseconds since the epoch. */
  at: number;
  uid: number;
  exe: string;
  op: string;
  proto: string;
  remoteAddr: string | null;
  remotePort: number | null;
  localPort: number | null;
  host: string | null;
  verdict: string;
  reason: string;
  ruleId: string | null;
  /** How many calls this entry stands for (an aggregate of the kernel's counters); 1 for one call. */
  count: number;
  pid: number | null;
  /** For an answered prompt: the client process that answered. */
  answererPid: number | null;
  answererExe: string | null;
}

/** What `append` takes: `at` defaults to the store's clock, nullable fields to null. */
export type NewHistoryEntry = Pick<HistoryEntry, "uid" | "exe" | "op" | "proto" | "verdict" | "reason"> &
  Partial<Omit<HistoryEntry, "uid" | "exe" | "op" | "proto" | "verdict" | "reason">>;

export interface StoredHistoryEntry extends HistoryEntry {
  /** Insertion order, unique, never reused (not even after pruning empties the table). */
  seq: number;
}

/** A position in the history: pass the last entry of a page to get the next (older) one. */
export interface HistoryCursor {
  at: number;
  seq: number;
}

export interface HistoryQuery {
  uid?: number;
  exe?: string;
  host?: string;
  verdict?: string;
  /** Inclusive lower bound on `at`. */
  since?: number;
  /** Exclusive upper bound on `at` (a time range, not a paging cursor: use `before`). */
  until?: number;
  /** Entries older than this one in the order query() returns (at, then seq): page with `before: page.at(-1)`. */
  before?: HistoryCursor;
  /** Default 1,000. */
  limit?: number;
}

/** History keeps at most `maxRows` entries, none older than `maxAgeMs`. */
export interface RetentionPolicy {
  maxRows: number;
  maxAgeMs: number;
}

export interface PruneResult {
  byAge: number;
  byRows: number;
}

export interface HistoryRepo {
  /** Writes a batch in one transaction, then applies the retention policy. */
  append(entries: NewHistoryEntry | readonly NewHistoryEntry[]): { appended: number; pruned: PruneResult };
  /** Newest first. */
  query(q?: HistoryQuery): StoredHistoryEntry[];
  prune(): PruneResult;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxRows: 100_000, maxAgeMs: 30 * 24 * 3600 * 1000 };
const MAX_QUERY_LIMIT = 100_000;

type Row = [
  number, number, string, string, string, string | null, number | null, number | null, string | null, string, string, string | null,
  number, number | null, number | null, string | null,
];

interface DbRow {
  seq: number;
  at: number;
  uid: number;
  exe: string;
  op: string;
  proto: string;
  remote_addr: string | null;
  remote_port: number | null;
  local_port: number | null;
  host: string | null;
  verdict: string;
  reason: string;
  rule_id: string | null;
  count: number;
  pid: number | null;
  answerer_pid: number | null;
  answerer_exe: string | null;
}

function bad(field: string, expected: string, received: unknown): SockgateError {
  return new SockgateError("SG_ERR_BAD_VALUE", `${field}: expected ${expected}, received ${JSON.stringify(received) ?? String(received)}`);
}

function toRow(e: NewHistoryEntry, field: string, now: number): Row {
  const at = e.at ?? now;
  if (!Number.isSafeInteger(at) || at < 0) throw bad(`${field}.at`, "milliseconds since the epoch (a non-negative integer)", at);
  if (!Number.isInteger(e.uid) || e.uid < 0 || e.uid > 0xffff_ffff) throw bad(`${field}.uid`, "an integer 0..4294967295", e.uid);
  for (const k of ["exe", "op", "proto", "verdict", "reason"] as const) {
    if (typeof e[k] !== "string") throw bad(`${field}.${k}`, "a string", e[k]);
  }
  for (const k of ["remotePort", "localPort"] as const) {
    const v = e[k];
    if (v != null && !(Number.isInteger(v) && v >= 0 && v <= 65535)) throw bad(`${field}.${k}`, "a port 0..65535 or null", v);
  }
  if (e.count !== undefined && !(Number.isSafeInteger(e.count) && e.count >= 1)) throw bad(`${field}.count`, "a positive integer", e.count);
  for (const k of ["pid", "answererPid"] as const) {
    const v = e[k];
    if (v != null && !(Number.isInteger(v) && v > 0 && v <= 0x7fff_ffff)) throw bad(`${field}.${k}`, "a pid or null", v);
  }
  for (const k of ["remoteAddr", "host", "ruleId", "answererExe"] as const) {
    const v = e[k];
    if (v != null && typeof v !== "string") throw bad(`${field}.${k}`, "a string or null", v);
  }
  return [
    at, e.uid, e.exe, e.op, e.proto, e.remoteAddr ?? null, e.remotePort ?? null, e.localPort ?? null,
    e.host ?? null, e.verdict, e.reason, e.ruleId ?? null, e.count ?? 1, e.pid ?? null, e.answererPid ?? null, e.answererExe ?? null,
  ];
}

function fromRow(r: DbRow): StoredHistoryEntry {
  return {
    seq: r.seq, at: r.at, uid: r.uid, exe: r.exe, op: r.op, proto: r.proto, remoteAddr: r.remote_addr,
    remotePort: r.remote_port, localPort: r.local_port, host: r.host, verdict: r.verdict, reason: r.reason,
    ruleId: r.rule_id, count: r.count, pid: r.pid, answererPid: r.answerer_pid, answererExe: r.answerer_exe,
  };
}

export function checkRetention(p: Partial<RetentionPolicy> | undefined): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION, ...p };
  for (const k of ["maxRows", "maxAgeMs"] as const) {
    if (!Number.isSafeInteger(policy[k]) || policy[k] <= 0) {
      throw new SockgateError(
        "SG_ERR_STORE_OPEN",
        `retention.${k}: expected a positive integer, received ${JSON.stringify(policy[k]) ?? String(policy[k])}`,
      );
    }
  }
  return policy;
}

export function createHistoryRepo(conn: Connection, retention: RetentionPolicy, clock: Clock): HistoryRepo {
  const { db } = conn;
  const insert = db.prepare<Row>(
    `INSERT INTO history (at, uid, exe, op, proto, remote_addr, remote_port, local_port, host, verdict, reason, rule_id,
                          count, pid, answerer_pid, answerer_exe)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const pruneAge = db.prepare<[number]>("DELETE FROM history WHERE at < ?");
  // seq is the rowid: new rows take max(seq)+1, so the newest maxRows rows are those above
  // max(seq) - maxRows. Holes (from age pruning of out-of-order entries) only make the
  // table smaller, never larger, than maxRows. Both deletes are index range seeks.
  const pruneRows = db.prepare<[number]>("DELETE FROM history WHERE seq <= (SELECT max(seq) FROM history) - ?");

  const pruneNow = (): PruneResult => ({
    byAge: pruneAge.run(clock() - retention.maxAgeMs).changes,
    byRows: pruneRows.run(retention.maxRows).changes,
  });

  const appendBatch = db.transaction((rows: Row[]) => {
    for (const row of rows) insert.run(...row);
    return pruneNow();
  });

  return {
    append(entries) {
      const list = Array.isArray(entries) ? (entries as readonly NewHistoryEntry[]) : [entries as NewHistoryEntry];
      const now = clock();
      const rows = list.map((e, i) => toRow(e, Array.isArray(entries) ? `history[${i}]` : "history entry", now));
      return call(conn, `history.append(${rows.length} entries)`, () => ({ appended: rows.length, pruned: appendBatch(rows) }));
    },
    query(q = {}) {
      const filters: [string, string | number | undefined][] = [
        ["uid = ?", q.uid],
        ["exe = ?", q.exe],
        ["host = ?", q.host],
        ["verdict = ?", q.verdict],
        ["at >= ?", q.since],
        ["at < ?", q.until],
      ];
      const active = filters.filter(([, v]) => v !== undefined);
      const where = active.map(([clause]) => clause);
      const params = active.map(([, v]) => v as string | number);
      if (q.before !== undefined) {
        const { at, seq } = q.before as Partial<HistoryCursor>;
        if (!Number.isSafeInteger(at) || !Number.isSafeInteger(seq)) throw bad("history query before", "{at, seq} of an entry", q.before);
        // Rows sharing `at` are told apart by seq, so a page boundary inside one millisecond loses nothing.
        where.push("(at < ? OR (at = ? AND seq < ?))");
        params.push(at as number, at as number, seq as number);
      }
      const limit = q.limit ?? 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
        throw bad("history query limit", `an integer 1..${MAX_QUERY_LIMIT}`, limit);
      }
      const sql = `SELECT * FROM history ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                   ORDER BY at DESC, seq DESC LIMIT ${limit}`;
      return call(conn, "history.query", () => (db.prepare(sql).all(...params) as DbRow[]).map(fromRow));
    },
    prune() {
      return call(conn, "history.prune", () => db.transaction(pruneNow)());
    },
  };
}
