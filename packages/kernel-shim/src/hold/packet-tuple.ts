// The 5-tuple of a queued packet's bytes (from its network header, as NFQUEUE copies it),
// read the way sg_parse_packet reads it in the kernel, so the reader can look the packet
// up in sg_queued. undefined when the bytes are not a packet the hold match could record.
import { formatAddress } from "@sockgate/protocol";
import type { ProtoName } from "@sockgate/protocol";
import type { PacketTuple } from "../types.js";

const EXT_MAX = 8;
const HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTH = 51;
const DEST = 60;

function protoOf(l4: number): ProtoName {
  if (l4 === 6) return "tcp";
  if (l4 === 17) return "udp";
  if (l4 === 1 || l4 === 58) return "icmp";
  return "raw";
}

function v4mapped(b: Uint8Array, at: number): string {
  const a = new Uint8Array(16);
  a[10] = 0xff;
  a[11] = 0xff;
  a.set(b.subarray(at, at + 4), 12);
  return formatAddress(a);
}

export function tupleOfPacket(p: Uint8Array): PacketTuple | undefined {
  if (p.length < 1) return undefined;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let off: number;
  let l4: number;
  let saddr: string;
  let daddr: string;
  let ports = true;
  if (p[0]! >> 4 === 4) {
    if (p.length < 20) return undefined;
    const ihl = p[0]! & 0xf;
    if (ihl < 5) return undefined;
    off = ihl * 4;
    l4 = p[9]!;
    saddr = v4mapped(p, 12);
    daddr = v4mapped(p, 16);
    if (view.getUint16(6) & 0x1fff) ports = false;
  } else if (p[0]! >> 4 === 6) {
    if (p.length < 40) return undefined;
    saddr = formatAddress(p.subarray(8, 24));
    daddr = formatAddress(p.subarray(24, 40));
    off = 40;
    l4 = p[6]!;
    let i = 0;
    for (; i < EXT_MAX && [HOP, ROUTING, DEST, AUTH, FRAGMENT].includes(l4); i++) {
      if (p.length < off + 4) return undefined;
      const next = p[off]!;
      if (l4 === FRAGMENT) {
        if (view.getUint16(off + 2) & ~7) ports = false;
        off += 8;
      } else {
        off += l4 === AUTH ? (p[off + 1]! + 2) * 4 : (p[off + 1]! + 1) * 8;
      }
      l4 = next;
      if (!ports) break;
    }
    if (i === EXT_MAX) return undefined;
  } else {
    return undefined;
  }
  const proto = protoOf(l4);
  if (!ports || (proto !== "tcp" && proto !== "udp")) return { saddr, daddr, sport: 0, dport: 0, proto };
  if (p.length < off + 4) return undefined;
  return { saddr, daddr, sport: view.getUint16(off), dport: view.getUint16(off + 2), proto };
}
