import * as abi from "./abi.js";
import { decode, encode, encodingLength } from "./event-codec.js";

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

export { ERROR_CODES, SockgateError, isSockgateError } from "./errors.js";
export type { SockgateErrorCode } from "./errors.js";

export { ADDRESS_BYTES, formatAddress, isV4Mapped, parseAddress } from "./address.js";

export { AttributeDecoder, AttributeEncoder, NLA_HDRLEN, attributeLength, nlaAlign } from "./nlattr.js";

import * as nfqueueCodec from "./nfqueue-codec.js";
/** nfnetlink_queue messages: nfqueue.encode / decode / decodeAll / encodingLength, and their constants. */
export const nfqueue = nfqueueCodec;
export type { NfqAttribute, NfqConfig, NfqMessage, NfqPacket, NfqVerdict, NlDone, NlError } from "./nfqueue-codec.js";

/** The shim's event record codec: event.encode / event.decode / event.encodingLength. */
export const event = { encode, decode, encodingLength };
export { AF_INET, AF_INET6, MSG_HDR_LEN } from "./event-codec.js";
export type { ShimEvent, UnknownAttribute } from "./event-codec.js";

export { APP_ID_KINDS, REQUEST_FAMILIES, REQUEST_OPERATIONS, REQUEST_PROTOCOLS, appIdFromCgroupPath } from "./request.js";
export type {
  AppId,
  AppIdKind,
  AppIdentity,
  Endpoint,
  Request,
  RequestFamily,
  RequestOperation,
  RequestProtocol,
} from "./request.js";
