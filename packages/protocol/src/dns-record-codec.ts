// Codec for the shim's DNS record (struct sg_dns_event in abi/sockgate-abi.h): a DNS message
// a socket that sent to port 53 received, with the identity of the process that sent the
// query. Same framing as the event record (record-codec.ts); the payload comes last.

import { DNS_MAX, DnsAttr, MSG_DNS, PROTOS, type DnsAttrName, type ProtoName } from "./abi.js";
import { recordCodec, type LayoutEntry, type UnknownAttribute } from "./record-codec.js";
import { addressCodec, bytesCodec, enumCodec, familyCodec, portCodec, u32, u64Codec } from "./record-fields.js";

export interface DnsRecord {
  version: number;
  type: number;
  /** "udp" (one datagram) or "tcp" (one segment of a stream: reassemble by cookie and tcpSeq). */
  proto: ProtoName;
  family: number;
  /** Of the process that sent the query. */
  uid: number;
  tgid: number;
  /** Sequence number of the segment's first byte (TCP), else 0. */
  tcpSeq: number;
  cookie: bigint;
  exeIno: bigint;
  exeDev: bigint;
  /** CLOCK_MONOTONIC ns at reception. */
  ktime: bigint;
  localAddr: string;
  /** The server that answered (RFC 5952, IPv4 v4-mapped). */
  remoteAddr: string;
  localPort: number;
  remotePort: number;
  /** The DNS bytes, cut at DNS_MAX. */
  payload: Uint8Array;
  unknown: UnknownAttribute[];
}

type DnsField = Exclude<keyof DnsRecord, "version" | "type" | "unknown">;
const at = (attr: DnsAttrName, field: DnsField, codec: LayoutEntry["codec"]): LayoutEntry<DnsField> & { attr: DnsAttrName } => ({
  attr,
  type: DnsAttr[attr],
  field,
  codec,
});

/** The attributes of struct sg_dns_event, in member order (abi-header.test.ts checks it). */
export const DNS_LAYOUT = [
  at("PROTO", "proto", enumCodec(PROTOS)),
  at("FAMILY", "family", familyCodec),
  at("UID", "uid", u32),
  at("TGID", "tgid", u32),
  at("TCP_SEQ", "tcpSeq", u32),
  at("COOKIE", "cookie", u64Codec),
  at("EXE_INO", "exeIno", u64Codec),
  at("EXE_DEV", "exeDev", u64Codec),
  at("KTIME", "ktime", u64Codec),
  at("LOCAL_ADDR", "localAddr", addressCodec),
  at("REMOTE_ADDR", "remoteAddr", addressCodec),
  at("LOCAL_PORT", "localPort", portCodec),
  at("REMOTE_PORT", "remotePort", portCodec),
  at("PAYLOAD", "payload", bytesCodec(DNS_MAX)),
] as const;

const codec = recordCodec<DnsRecord, DnsField>({ noun: "DNS", msgType: MSG_DNS, msgTypeName: "SG_MSG_DNS", layout: DNS_LAYOUT });

export const encode = codec.encode;
export const decode = codec.decode;
export const encodingLength = codec.encodingLength;
