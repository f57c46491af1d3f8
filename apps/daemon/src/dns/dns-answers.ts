// Host names from the DNS answers governed applications receive (captured by the shim's
// cgroup_skb/ingress, delivered as records with the receiving socket's identity). Parsed
// with dns-packet; DNS over TCP is reassembled per socket (2-byte length prefix); only
// answers from the configured resolvers are believed, so an application cannot bind an
// allowed name to any address by asking a server of its own. Each name (the question and
// the CNAME chain) is fed to the engine's per-application name map with its TTL.

import dnsPacket from "dns-packet";
import type { Answer, Packet } from "dns-packet";
import type { Engine } from "@sockgate/decision-engine";
import type { DnsApp } from "@sockgate/decision-engine";
import type { DnsRecord } from "@sockgate/protocol/codec";

export interface DnsNamesDeps {
  engine: Pick<Engine, "observeDns">;
  /** Resolvers believed now (addresses, IPv4 as dotted quads). */
  resolvers: () => ReadonlySet<string>;
  /** The application that received the answer, keyed as its requests are. */
  appOf: (r: DnsRecord) => DnsApp | undefined;
  onProblem?: (text: string) => void;
}

export interface DnsNames {
  feed(r: DnsRecord): number;
  stats(): { answers: number; names: number; untrusted: number; malformed: number };
}

const plain = (addr: string): string => (addr.startsWith("::ffff:") && addr.includes(".") ? addr.slice(7) : addr);
const MAX_TCP_BUFFER = 65_537;
const MAX_STREAMS = 1024;

/** name -> addresses and the lowest TTL on the way, following CNAMEs from each question. */
export function namesOf(p: Packet): Array<{ name: string; addresses: string[]; ttl: number }> {
  const answers = (p.answers ?? []) as Answer[];
  const cnames = new Map<string, { target: string; ttl: number }>();
  const addrs = new Map<string, Array<{ address: string; ttl: number }>>();
  for (const a of answers) {
    const name = a.name.toLowerCase();
    if (a.type === "CNAME") cnames.set(name, { target: String(a.data).toLowerCase(), ttl: a.ttl ?? 0 });
    if (a.type === "A" || a.type === "AAAA") {
      const list = addrs.get(name) ?? [];
      list.push({ address: String(a.data), ttl: a.ttl ?? 0 });
      addrs.set(name, list);
    }
  }
  const out: Array<{ name: string; addresses: string[]; ttl: number }> = [];
  const starts = new Set([...(p.questions ?? []).map((q) => q.name.toLowerCase()), ...addrs.keys()]);
  for (const start of starts) {
    let name = start;
    let ttl = Infinity;
    const seen = new Set<string>();
    while (cnames.has(name) && !seen.has(name)) {
      seen.add(name);
      const c = cnames.get(name)!;
      ttl = Math.min(ttl, c.ttl);
      name = c.target;
    }
    const found = addrs.get(name);
    if (found === undefined || found.length === 0) continue;
    out.push({ name: start, addresses: found.map((f) => f.address), ttl: Math.min(ttl, ...found.map((f) => f.ttl)) });
  }
  return out;
}

export function dnsNames(d: DnsNamesDeps): DnsNames {
  const streams = new Map<bigint, { next: number; buf: Buffer }>();
  const counts = { answers: 0, names: 0, untrusted: 0, malformed: 0 };

  function observe(r: DnsRecord, message: Buffer): number {
    let p: Packet;
    try {
      p = dnsPacket.decode(message);
    } catch {
      counts.malformed++;
      return 0;
    }
    if (p.type !== "response") return 0;
    const app = d.appOf(r);
    if (app === undefined) return 0;
    counts.answers++;
    let n = 0;
    for (const x of namesOf(p)) if (d.engine.observeDns(app, x)) n++;
    counts.names += n;
    return n;
  }

  function tcp(r: DnsRecord): number {
    let s = streams.get(r.cookie);
    const seq = r.tcpSeq;
    if (s === undefined) {
      if (streams.size >= MAX_STREAMS) streams.delete(streams.keys().next().value!);
      s = { next: seq, buf: Buffer.alloc(0) };
      streams.set(r.cookie, s);
    }
    if (seq !== s.next) {
      // out of order or a retransmission: start over at this segment (a lost name, never a wrong one)
      s.buf = Buffer.alloc(0);
    }
    s.next = (seq + r.payload.length) >>> 0;
    s.buf = Buffer.concat([s.buf, r.payload]);
    let n = 0;
    while (s.buf.length >= 2) {
      const len = s.buf.readUInt16BE(0);
      if (s.buf.length < 2 + len) break;
      n += observe(r, s.buf.subarray(2, 2 + len));
      s.buf = s.buf.subarray(2 + len);
    }
    if (s.buf.length > MAX_TCP_BUFFER) streams.delete(r.cookie);
    return n;
  }

  return {
    feed(r) {
      if (r.remotePort !== 53 || !d.resolvers().has(plain(r.remoteAddr))) {
        counts.untrusted++;
        return 0;
      }
      return r.proto === "tcp" ? tcp(r) : observe(r, Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength));
    },
    stats: () => ({ ...counts }),
  };
}
