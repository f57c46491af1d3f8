// "@sockgate/protocol/codec": the pieces the event codec is built from, for writing another
// codec of the same shape (nlattr TLV) or reading records by hand.

export { AttributeDecoder, AttributeEncoder, NLA_HDRLEN, attributeLength, nlaAlign } from "./nlattr.js";
export { AF_INET, AF_INET6, MSG_HDR_LEN } from "./event-codec.js";
export { ADDRESS_BYTES, isV4Mapped } from "./address.js";
