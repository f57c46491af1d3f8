// What a socket's family, type and protocol are called in a request, as the native side
// (native/run/socket-call.cc ProtoOf) and the kernel shim name them.

import type { ProtoName } from "@sockgate/protocol";

const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const AF_PACKET = 17;
const TCP = new Set([0, 6, 262]); // IPPROTO_TCP, IPPROTO_MPTCP
const UDP = new Set([0, 17, 136]); // IPPROTO_UDP, IPPROTO_UDPLITE
const ICMP = new Set([1, 58]); // IPPROTO_ICMP, IPPROTO_ICMPV6

export function protoOf(domain: number, type: number, protocol: number): ProtoName {
  if (domain === AF_PACKET || type === SOCK_RAW) return "raw";
  if (type === SOCK_STREAM && TCP.has(protocol)) return "tcp";
  if (type === SOCK_DGRAM && ICMP.has(protocol)) return "icmp";
  if (type === SOCK_DGRAM && UDP.has(protocol)) return "udp";
  return "other";
}

/** Raw and packet sockets are refused unless a rule allows them: nobody is asked. */
export function neverAsked(proto: ProtoName): boolean {
  return proto === "raw";
}
