// @sockgate/protocol: the byte and JSON formats that cross sockgate's boundaries. Ten values
// here; the building blocks of the codec live in "@sockgate/protocol/codec" and the request
// enums in "@sockgate/protocol/request" (README.md lists both).

import * as abi from "./abi.js";
import { decode, encode, encodingLength, verdictOf } from "./event-codec.js";

export { abi };
export type {
  AttrName,
  CounterName,
  HookName,
  OpName,
  PolicyName,
  ProtoName,
  ReasonName,
  VerdictName,
} from "./abi.js";

/** The shim's event record codec: event.encode / event.decode / event.encodingLength, and
 *  event.verdictOf (a record's verdict without decoding the rest). */
export const event = { encode, decode, encodingLength, verdictOf };
export type { ShimEvent, UnknownAttribute } from "./event-codec.js";

export { ERROR_CODES, SockgateError, isSockgateError } from "./errors.js";
export type { SockgateErrorCode } from "./errors.js";

export { formatAddress, parseAddress } from "./address.js";

export { appIdFromCgroupPath } from "./request.js";
export { requestFromEvent } from "./request-from-event.js";
export { parseRequest } from "./request-parse.js";
export type { ProcInfo, RequestEvent } from "./request-from-event.js";
export type {
  AppFlag,
  AppId,
  AppIdKind,
  AppIdentity,
  Endpoint,
  Request,
  RequestFamily,
  RequestOperation,
  RequestProtocol,
} from "./request.js";
