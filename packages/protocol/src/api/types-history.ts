// History (what was decided, stored) and activity (what is being decided, live). The
// fields are @sockgate/store's history entry, so a stored row crosses the API unchanged.

export interface ActivityEntry {
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
  /** allow, deny, held, ... */
  verdict: string;
  reason: string;
  ruleId: string | null;
  pid?: number;
  /** For aggregates read from the kernel's per-application counters: how many calls this entry stands for. */
  count?: number;
  /** For an answered prompt: the client that answered (its pid and executable). */
  answeredBy?: { pid: number; exe: string | null };
}

export interface HistoryEntry extends ActivityEntry {
  /** Insertion order, unique: page with `before: {at, seq}` of the last entry. */
  seq: number;
}

/** Every field narrows the result (AND). Newest first. */
export interface HistoryQuery {
  /** Admins only, for another user than the caller; without it an admin sees everyone's history. */
  uid?: number;
  /** The application's executable path. */
  exe?: string;
  host?: string;
  verdict?: string;
  /** Inclusive lower bound on `at`. */
  since?: number;
  /** Exclusive upper bound on `at`. */
  until?: number;
  /** Entries older than this one: page with the last entry of the previous page. */
  before?: { at: number; seq: number };
  limit?: number;
}
