// Calls and replies as lines: parsing an untrusted line into a checked call (daemon side)
// or a checked reply (client side), and building error replies. Every failure is an
// ApiError with a named code and a sentence, never a bare parse error.

import { ApiError, isApiErrorName } from "./errors.js";
import type { ApiErrorName } from "./errors.js";
import { SUPPORTED_INTERFACES, STREAMING_METHODS, isMethodName, splitMethod } from "./interface.js";
import type { MethodName } from "./interface.js";
import { METHODS } from "./schema-methods.js";
import type { CallId } from "./types-common.js";
import type { Reply } from "./types-methods.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.js";
import { checkAgainst } from "./validate.js";

export interface DecodedCall {
  id: CallId;
  /** The interface the method named, e.g. "io.sockgate.v1". */
  iface: string;
  method: MethodName;
  parameters: Record<string, unknown>;
  more: boolean;
}

/** An ApiError that knows which call it answers (null when the message had no readable id). */
export class CallError extends ApiError {
  constructor(
    readonly callId: CallId | null,
    code: ApiErrorName,
    message: string,
    parameters?: Record<string, unknown>,
  ) {
    super(code, message, parameters);
  }
}

const VERSIONED = /^io\.sockgate\.v\d+$/;

function parseJson(line: string, what: string, code: ApiErrorName): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new CallError(null, code, `${what} is not JSON: ${(err as Error).message}`);
  }
}

function isCallId(v: unknown): v is CallId {
  return (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) || (typeof v === "string" && v.length > 0 && v.length <= 64);
}

/** Checks parameters against a method's schema; InvalidParameter names the member. */
export function checkParameters(method: MethodName, parameters: unknown, id: CallId | null = null): void {
  const problem = checkAgainst(METHODS[method].parameters, parameters, "parameters");
  if (problem !== undefined) throw new CallError(id, "io.sockgate.InvalidParameter", `${method}: ${problem.sentence}`, { field: problem.field });
}

/**
 * One line from a client -> a call whose envelope and parameters follow the schema, or a
 * CallError: InvalidMessage (not JSON, not a call), VersionUnsupported (a method of an
 * interface version this side does not speak), UnknownMethod, InvalidParameter.
 */
export function decodeCall(line: string): DecodedCall {
  const value = parseJson(line, "the message", "io.sockgate.InvalidMessage");
  const rawId = typeof value === "object" && value !== null ? (value as Record<string, unknown>).id : undefined;
  const id = isCallId(rawId) ? rawId : null;
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new CallError(id, "io.sockgate.InvalidMessage", `the message nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep; no call needs that many`, { maxDepth: MAX_JSON_DEPTH });
  }
  const envelope = checkAgainst("Call", value, "");
  if (envelope !== undefined) throw new CallError(id, "io.sockgate.InvalidMessage", `the message is not a call: ${envelope.sentence}`, { field: envelope.field });
  const call = value as { id: CallId; method: string; parameters?: Record<string, unknown>; more?: boolean };
  const name = splitMethod(call.method);
  if (name !== undefined && !SUPPORTED_INTERFACES.includes(name.iface) && VERSIONED.test(name.iface)) {
    throw new CallError(call.id, "io.sockgate.VersionUnsupported", `${call.method}: interface ${name.iface} is not spoken here; supported: ${SUPPORTED_INTERFACES.join(", ")}`, {
      supported: [...SUPPORTED_INTERFACES],
    });
  }
  if (name === undefined || !SUPPORTED_INTERFACES.includes(name.iface) || !isMethodName(name.method)) {
    throw new CallError(call.id, "io.sockgate.UnknownMethod", `${JSON.stringify(call.method)}: no such method; methods are named like "${SUPPORTED_INTERFACES[0]}.ListRules"`);
  }
  const method = name.method;
  const more = call.more === true;
  const streaming = STREAMING_METHODS.includes(method);
  if (streaming !== more) {
    const how = streaming ? "streams its replies: call it with more: true" : "has one reply: call it without more";
    throw new CallError(call.id, "io.sockgate.InvalidMessage", `${method} ${how}`, { field: "more" });
  }
  const parameters = call.parameters ?? {};
  checkParameters(method, parameters, call.id);
  return { id: call.id, iface: name.iface, method, parameters, more };
}

/** One line from the daemon -> a reply whose envelope follows the schema; InvalidReply otherwise. */
export function decodeReply(line: string): Reply {
  const value = parseJson(line, "a reply from the daemon", "io.sockgate.InvalidReply");
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) throw new CallError(null, "io.sockgate.InvalidReply", `a reply from the daemon nests more than ${MAX_JSON_DEPTH} levels deep`);
  const problem = checkAgainst("Reply", value, "");
  if (problem !== undefined) throw new CallError(null, "io.sockgate.InvalidReply", `a reply from the daemon is malformed: ${problem.sentence}`);
  return value as Reply;
}

/** Checks a reply's parameters against its method's reply schema; undefined when they follow it. */
export function replyProblem(method: MethodName, parameters: unknown): string | undefined {
  return checkAgainst(METHODS[method].reply, parameters, "parameters")?.sentence;
}

/** The error reply for `err`, for the call `id`. */
export function errorReply(id: CallId | null, err: ApiError): Reply {
  const parameters = Object.keys(err.parameters).length > 0 ? { parameters: { ...err.parameters } } : {};
  return { id, error: err.code, message: err.message, ...parameters };
}

/** An error reply's name as the client sees it: an unknown name from a newer daemon becomes InternalError, keeping the name. */
export function errorFromReply(reply: Extract<Reply, { error: string }>): ApiError {
  const name: string = reply.error;
  return isApiErrorName(name)
    ? new ApiError(name, reply.message, reply.parameters ?? {})
    : new ApiError("io.sockgate.InternalError", `${name}: ${reply.message}`, { ...reply.parameters, error: name });
}
