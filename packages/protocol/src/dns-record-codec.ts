// Codec for the shim's DNS record (struct sg_dns_event in abi/sockgate-abi.h): a DNS message
// a socket that sent to port 53 received, with the identity of the process that sent the
// query. Same framing as the event record (record-codec.ts); the payload comes last.

import { ARGV_MAX, DNS_MAX, DnsAttr, MSG_DNS, PROTOS, type DnsAttrName, type ProtoName } from "./abi.js";
import { argvFromWire, argvLooksCut, argvToWire } from "./argv-field.js";
import { mappedCodec, recordCodec, type LayoutEntry, type RecordCodec, type UnknownAttribute } from "./record-codec.js";
import { addressCodec, bytesCodec, enumCodec, familyCodec, fixedBytesCodec, portCodec, u32, u32Codec, u64AsU32Codec, u64Codec } from "./record-fields.js";

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
  /** Kernel dev_t (major << 20 | minor), a number as in VerdictKey; u64 on the wire. */
  exeDev: number;
  /** CLOCK_MONOTONIC ns at reception. */
  ktime: bigint;
  localAddr: string;
  /** The server that answered (RFC 5952, IPv4 v4-mapped). */
  remoteAddr: string;
  localPort: number;
  remotePort: number;
  /** i_generation of the querying process's executable. */
  exeGeneration: number;
  /** Its exec-time argv, as in events (ARGV_MAX bytes at most). */
  argv: string[];
  /** The last element of argv was cut. */
  argvTruncated: boolean;
  /** The DNS bytes, cut at DNS_MAX. */
  payload: Uint8Array;
  unknown: UnknownAttribute[];
}

/** The record as the wire holds it: argv is a length and ARGV_MAX fixed bytes. */
interface WireDns extends Omit<DnsRecord, "argv" | "argvTruncated"> {
  argvLength: number;
  argvBytes: Uint8Array;
}

type DnsField = Exclude<keyof WireDns, "version" | "type" | "unknown">;
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
  at("EXE_DEV", "exeDev", u64AsU32Codec),
  at("KTIME", "ktime", u64Codec),
  at("LOCAL_ADDR", "localAddr", addressCodec),
  at("REMOTE_ADDR", "remoteAddr", addressCodec),
  at("LOCAL_PORT", "localPort", portCodec),
  at("REMOTE_PORT", "remotePort", portCodec),
  at("EXE_GEN", "exeGeneration", u32),
  at("ARGV_LEN", "argvLength", u32Codec(ARGV_MAX)),
  at("ARGV", "argvBytes", fixedBytesCodec(ARGV_MAX)),
  at("PAYLOAD", "payload", bytesCodec(DNS_MAX)),
] as const;

const codec = recordCodec<WireDns, DnsField>({ noun: "DNS", msgType: MSG_DNS, msgTypeName: "SG_MSG_DNS", layout: DNS_LAYOUT });

function toWire(v: DnsRecord): WireDns {
  if (typeof v !== "object" || v === null) return v as unknown as WireDns; // the codec names the problem
  const { argv, argvTruncated, ...rest } = v;
  return { ...rest, ...argvToWire(argv, argvTruncated === true, "DNS") };
}

function fromWire(w: WireDns): DnsRecord {
  const { argvLength: _len, argvBytes: _bytes, ...rest } = w;
  const cut = argvLooksCut(w);
  return { ...rest, argv: argvFromWire(w, cut, "DNS"), argvTruncated: cut } as DnsRecord;
}

const mapped = mappedCodec<DnsRecord, WireDns>(codec, toWire, fromWire);

/** Bytes encode(v) writes. Throws SockgateError when v cannot be encoded. */
export const encodingLength: (v: DnsRecord) => number = mapped.encodingLength;

/** Writes v into buf at offset (allocating when buf is omitted) and returns buf; encode.bytes is the length. */
export const encode: RecordCodec<DnsRecord>["encode"] = mapped.encode;

/** Reads one record at offset (header length honoured, unknown attributes kept); decode.bytes is its length. */
export const decode: RecordCodec<DnsRecord>["decode"] = mapped.decode;
