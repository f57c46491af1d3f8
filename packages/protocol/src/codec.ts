// "@sockgate/protocol/codec": the pieces the event codec is built from, for writing another
// codec of the same shape (nlattr TLV) or reading records by hand.

export { AttributeDecoder, AttributeEncoder, NLA_HDRLEN, attributeLength, nlaAlign } from "./nlattr.js";
export { AF_INET, AF_INET6, MSG_HDR_LEN } from "./event-codec.js";
export { ADDRESS_BYTES, isV4Mapped } from "./address.js";

import * as nfqueueCodec from "./nfqueue-codec.js";
/** nfnetlink_queue messages (an NFQUEUE reader's config, verdicts, queued packets):
 *  nfqueue.encode / decode / decodeAll / encodingLength, and their constants. */
export const nfqueue = nfqueueCodec;
export type { NfqAttribute, NfqConfig, NfqMessage, NfqPacket, NfqVerdict, NlDone, NlError } from "./nfqueue-codec.js";

import * as dnsRecordCodec from "./dns-record-codec.js";
/** The shim's DNS record (an answer a socket that queried port 53 received):
 *  dnsRecord.encode / decode / encodingLength. */
export const dnsRecord = { encode: dnsRecordCodec.encode, decode: dnsRecordCodec.decode, encodingLength: dnsRecordCodec.encodingLength };
export type { DnsRecord } from "./dns-record-codec.js";
