import type { Database } from "better-sqlite3";
import { SockgateError } from "@sockgate/protocol";

// Every public store method runs through `call`, so a native failure leaves the API as one
// SockgateError naming the operation and the file, never as a bare SqliteError or TypeError.

export interface Connection {
  readonly db: Database;
  readonly path: string;
  closed: boolean;
}

export function call<T>(conn: Connection, what: string, fn: () => T): T {
  if (conn.closed) {
    throw new SockgateError(
      "SG_ERR_STORE_CLOSED",
      `${what}: expected an open store, received one closed by close() (${conn.path})`,
    );
  }
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof SockgateError) throw cause;
    const code = (cause as { code?: unknown }).code;
    throw new SockgateError(
      "SG_ERR_STORE_IO",
      `${what} failed in SQLite (${conn.path}): ${(cause as Error).message}${typeof code === "string" ? ` [${code}]` : ""}`,
      { cause },
    );
  }
}
