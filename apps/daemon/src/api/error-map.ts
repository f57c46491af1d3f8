// What a failed backend call answers. An ApiError passes as it is; the engine's and the
// store's SockgateErrors become the named error that means the same (their messages name
// the field and are meant for users); anything else is a daemon fault: the client gets
// InternalError without details, the log gets the error.

import { isSockgateError } from "@sockgate/protocol";
import type { SockgateErrorCode } from "@sockgate/protocol";
import { ApiError } from "@sockgate/protocol/client";
import type { ApiErrorName } from "@sockgate/protocol/client";

const BY_CODE: Partial<Record<SockgateErrorCode, ApiErrorName>> = {
  SG_ERR_RULE_INVALID: "io.sockgate.InvalidRule",
  SG_ERR_LIST_UNKNOWN: "io.sockgate.InvalidRule",
  SG_ERR_STORE_CONFLICT: "io.sockgate.Conflict",
  SG_ERR_STORE_FORBIDDEN: "io.sockgate.PermissionDenied",
  SG_ERR_PROMPT_FORBIDDEN: "io.sockgate.PermissionDenied",
  SG_ERR_PROMPT_UNKNOWN: "io.sockgate.NotFound",
  SG_ERR_ANSWER_INVALID: "io.sockgate.InvalidAnswer",
  SG_ERR_STORE_IMPORT: "io.sockgate.InvalidImport",
};

// The engine names the field at fault: 'rule "r1" is invalid: field match.remotePort[0]: expected ...'.
// A UI shows the error beside that field, so it travels as a parameter too.
const RULE_FIELD = /is invalid: (?:field )?([A-Za-z0-9_.[\]]+): /;

function parametersOf(code: SockgateErrorCode, message: string): Record<string, unknown> {
  const field = code === "SG_ERR_RULE_INVALID" ? RULE_FIELD.exec(message)?.[1] : undefined;
  return field === undefined ? {} : { field };
}

/** The error to send for `err`, and whether it is the daemon's fault (to be logged). */
export function toApiError(err: unknown, method: string): { error: ApiError; fault: boolean } {
  if (err instanceof ApiError) return { error: err, fault: err.code === "io.sockgate.InternalError" };
  if (isSockgateError(err)) {
    const name = BY_CODE[err.code];
    if (name !== undefined) return { error: new ApiError(name, err.message, parametersOf(err.code, err.message)), fault: false };
  }
  return { error: new ApiError("io.sockgate.InternalError", `${method} failed inside the daemon; its log says why`), fault: true };
}
