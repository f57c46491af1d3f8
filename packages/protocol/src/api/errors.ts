// Every error the client API can carry, by name. A name is stable: clients branch on it,
// people read the message. The daemon sends the "daemon" ones in error replies; the client
// raises the "client" ones itself (the daemon never sends them). exitCode follows gh: 1 an
// error, 2 the input was wrong, 4 not allowed. Add names, never rename or reuse one.

export interface ApiErrorInfo {
  /** What the error means, in one sentence, for people and for a CLI's help text. */
  readonly sentence: string;
  readonly exitCode: 1 | 2 | 4;
  readonly origin: "daemon" | "client";
}

export const API_ERRORS = {
  "io.sockgate.InvalidMessage": {
    sentence: "The message is not one JSON object with an id and a method, or not JSON at all.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.MessageTooLarge": {
    sentence: "The message is longer than the daemon reads; it was skipped up to its newline.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.UnknownMethod": {
    sentence: "The interface has no method of that name.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.VersionUnsupported": {
    sentence: "The daemon does not speak the interface version the client asked for; the error lists the ones it speaks.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.HandshakeRequired": {
    sentence: "The first call on a connection must be Hello, which settles the interface version.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.InvalidParameter": {
    sentence: "A parameter is missing, unknown or of the wrong type; the message names it.",
    exitCode: 2,
    origin: "daemon",
  },
  "io.sockgate.PermissionDenied": {
    sentence: "The calling user may not do this.",
    exitCode: 4,
    origin: "daemon",
  },
  "io.sockgate.NotFound": {
    sentence: "No such rule or prompt is visible to the calling user (it may never have existed, be settled, or be someone else's).",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.Conflict": {
    sentence: "The change contradicts what exists: the id is taken, the owner would change, or the call id is in use.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.InvalidRule": {
    sentence: "The rule does not follow the rule schema; the message names the field.",
    exitCode: 2,
    origin: "daemon",
  },
  "io.sockgate.InvalidAnswer": {
    sentence: "The answer's action, scope or duration cannot become a rule for this prompt.",
    exitCode: 2,
    origin: "daemon",
  },
  "io.sockgate.InvalidImport": {
    sentence: "The import document is not a sockgate rules export or holds an invalid rule; nothing was written.",
    exitCode: 2,
    origin: "daemon",
  },
  "io.sockgate.LimitExceeded": {
    sentence: "The calling user has too many connections or calls in progress.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.Unavailable": {
    sentence: "The daemon is stopping and takes no new calls.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.InternalError": {
    sentence: "The daemon failed to carry out the call; its log says why.",
    exitCode: 1,
    origin: "daemon",
  },
  "io.sockgate.DaemonUnavailable": {
    sentence: "No daemon answers on the socket (it is not running, or the socket path is wrong).",
    exitCode: 1,
    origin: "client",
  },
  "io.sockgate.Disconnected": {
    sentence: "The connection to the daemon ended before the reply arrived.",
    exitCode: 1,
    origin: "client",
  },
  "io.sockgate.InvalidReply": {
    sentence: "The daemon's reply does not follow the interface schema.",
    exitCode: 1,
    origin: "client",
  },
} as const satisfies Record<string, ApiErrorInfo>;

export type ApiErrorName = keyof typeof API_ERRORS;
export const API_ERROR_NAMES = Object.keys(API_ERRORS) as ApiErrorName[];

export function isApiErrorName(name: unknown): name is ApiErrorName {
  return typeof name === "string" && Object.hasOwn(API_ERRORS, name);
}

// A registered symbol, as SockgateError's: an error made by another copy of this package is recognised too.
const BRAND: unique symbol = Symbol.for("@sockgate/protocol.ApiError");

/** An error of the client API: `code` is the error's name, `message` a sentence about this case. */
export class ApiError extends Error {
  readonly code: ApiErrorName;
  /** Details the daemon sent with the error (e.g. `supported` interfaces, the `field` at fault). */
  readonly parameters: Readonly<Record<string, unknown>>;
  declare readonly [BRAND]: true;

  constructor(code: ApiErrorName, message: string, parameters: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ApiError";
    this.code = code;
    this.parameters = parameters;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The gh-style exit code a CLI exits with for this error. */
  get exitCode(): 1 | 2 | 4 {
    return API_ERRORS[this.code].exitCode;
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `err` is an ApiError (from any copy of this package), optionally with the given name. */
export function isApiError(err: unknown, code?: ApiErrorName): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}
