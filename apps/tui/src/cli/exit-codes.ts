// What the CLI's exit status says went wrong, for scripts. Errors of the API map by name;
// gh's meanings are kept (1 error, 2 usage, 4 not allowed) and three are added.

import { API_ERRORS, isApiError } from "@sockgate/protocol/client";
import type { ApiErrorName } from "@sockgate/protocol/client";

export const EXIT = {
  ok: 0,
  /** Anything else: the daemon failed, a file could not be read. */
  error: 1,
  /** The command line or the input was wrong (bad flag, invalid rule, invalid answer). */
  usage: 2,
  /** No daemon answers on the socket (not running, wrong path), or it went away mid-call. */
  unavailable: 3,
  /** The daemon refused: this user may not do that. */
  denied: 4,
  /** No such rule or prompt for this user (settled, deleted, someone else's). */
  notFound: 5,
  /** The change contradicts what exists (id taken, owner would change). */
  conflict: 6,
} as const;

const BY_NAME: Partial<Record<ApiErrorName, number>> = {
  "io.sockgate.DaemonUnavailable": EXIT.unavailable,
  "io.sockgate.Disconnected": EXIT.unavailable,
  "io.sockgate.Unavailable": EXIT.unavailable,
  "io.sockgate.NotFound": EXIT.notFound,
  "io.sockgate.Conflict": EXIT.conflict,
};

/** A failure the CLI found itself (bad input), with the exit code it means. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    readonly code = "SG_CLI_USAGE",
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (isApiError(err)) return BY_NAME[err.code] ?? API_ERRORS[err.code].exitCode;
  return EXIT.error;
}

/** The stable code of an error: the API's name, the CLI's own, or SG_CLI_ERROR. */
export function errorCodeOf(err: unknown): string {
  if (err instanceof CliError) return err.code;
  if (isApiError(err)) return err.code;
  return "SG_CLI_ERROR";
}
