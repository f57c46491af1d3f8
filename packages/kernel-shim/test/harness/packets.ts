// Hand-made packets for BPF_PROG_TEST_RUN: an Ethernet header (test-run strips it for
// socket filters), then IPv4 or IPv6 with options / extension headers, then TCP or UDP.
// Every field is written where the RFC puts it, so a test reads like the packet.

export const ETH_P_IP = 0x0800;
export const ETH_P_IPV6 = 0x86dd;
export const PROTO = { HOP: 0, TCP: 6, UDP: 17, ROUTING: 43, FRAGMENT: 44, AUTH: 51, ICMPV6: 58, DEST: 60 } as const;

export function eth(type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(14);
  h.writeUInt16BE(type, 12);
  return Buffer.concat([h, payload]);
}

export function tcp(sport: number, dport: number, flags = 0x02): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h[12] = 5 << 4; // data offset
  h[13] = flags;
  return h;
}

export function udp(sport: number, dport: number, payload = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function ipv4(o: { src: string; dst: string; proto: number; options?: Buffer; ihl?: number; fragOffset?: number; moreFragments?: boolean }, payload: Buffer): Buffer {
  const options = o.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20 + options.length);
  h[0] = (4 << 4) | (o.ihl ?? h.length / 4);
  h.writeUInt16BE(h.length + payload.length, 2);
  h.writeUInt16BE(((o.moreFragments ? 1 : 0) << 13) | ((o.fragOffset ?? 0) & 0x1fff), 6);
  h[8] = 64;
  h[9] = o.proto;
  Buffer.from(o.src.split(".").map(Number)).copy(h, 12);
  Buffer.from(o.dst.split(".").map(Number)).copy(h, 16);
  options.copy(h, 20);
  return Buffer.concat([h, payload]);
}

function v6(addr: string): Buffer {
  const [head, tail] = addr.split("::") as [string, string?];
  const words = (s: string | undefined) => (s ? s.split(":").map((w) => parseInt(w, 16)) : []);
  const a = words(head), b = words(tail);
  const all = [...a, ...Array(8 - a.length - b.length).fill(0), ...b];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, 2 * i));
  return out;
}

/** An extension header: its type (what the previous header's next-header field says) and its bytes after the first two. */
export interface Ext {
  type: number;
  /** Total length in bytes: a multiple of 8 (4 for AUTH), fragment headers 8. */
  bytes: number;
  /** Fragment headers: offset in 8-byte units and the M flag. */
  fragOffset?: number;
  moreFragments?: boolean;
}

export function ipv6(o: { src: string; dst: string; exts?: Ext[]; proto: number }, payload: Buffer): Buffer {
  const exts = o.exts ?? [];
  const chain = exts.map((e, i) => {
    const b = Buffer.alloc(e.bytes);
    b[0] = i + 1 < exts.length ? exts[i + 1]!.type : o.proto;
    if (e.type === PROTO.FRAGMENT) b.writeUInt16BE(((e.fragOffset ?? 0) << 3) | (e.moreFragments ? 1 : 0), 2);
    else b[1] = e.type === PROTO.AUTH ? e.bytes / 4 - 2 : e.bytes / 8 - 1;
    return b;
  });
  const body = Buffer.concat([...chain, payload]);
  const h = Buffer.alloc(40);
  h[0] = 6 << 4;
  h.writeUInt16BE(body.length, 4);
  h[6] = exts[0]?.type ?? o.proto;
  h[7] = 64;
  v6(o.src).copy(h, 8);
  v6(o.dst).copy(h, 24);
  return Buffer.concat([h, body]);
}
