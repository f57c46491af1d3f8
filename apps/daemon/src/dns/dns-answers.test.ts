import dnsPacket from "dns-packet";
import { createEngine } from "@sockgate/decision-engine";
import type { Request } from "@sockgate/protocol";
import { describe, expect, it } from "vitest";
import type { DnsRecord } from "@sockgate/protocol/codec";
import { dnsNames, namesOf } from "./dns-answers.js";

const app = { uid: 1000, exeDev: 8, exeIno: 42 };
const request = (address: string): Request => ({
  operation: "connect",
  protocol: "tcp",
  family: "ipv4",
  remote: { address, port: 443 },
  app: { ...app, exePath: "/usr/bin/curl", exePathVerified: true, pid: 7 },
});

function answer(name: string, address: string, ttl = 300, cname?: string): Buffer {
  const answers: dnsPacket.Answer[] = cname
    ? [{ type: "CNAME", name, ttl, data: cname }, { type: "A", name: cname, ttl: 60, data: address }]
    : [{ type: "A", name, ttl, data: address }];
  return dnsPacket.encode({ type: "response", id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name }], answers });
}

function record(payload: Buffer, extra: Partial<DnsRecord> = {}): DnsRecord {
  return { version: 1, type: 2, family: 2, ktime: 0n, unknown: [], tcpSeq: 0, cookie: 1n, uid: 1000, exeIno: 42n, exeDev: 8, tgid: 7, proto: "udp", remoteAddr: "::ffff:192.0.2.53", remotePort: 53, localAddr: "::ffff:10.0.0.1", localPort: 40000, exeGeneration: 0, argv: [], argvTruncated: false, payload, ...extra };
}

function setup() {
  const engine = createEngine({ bootId: "b" });
  const names = dnsNames({ engine, resolvers: () => new Set(["192.0.2.53"]), appOf: () => app });
  return { engine, names };
}

describe("DNS answers", () => {
  it("an answer from a configured resolver names the address for that application", () => {
    const { engine, names } = setup();
    expect(names.feed(record(answer("www.example.org", "198.51.100.7")))).toBe(1);
    expect(engine.decide(request("198.51.100.7")).reason).toBeDefined();
    expect(engine.prompts.raise(request("198.51.100.7")).promptId).toBeDefined();
    expect(engine.prompts.pending(1000)[0]!.destination).toMatchObject({ host: "www.example.org", address: "198.51.100.7" });
  });

  it("an answer from any other server is not believed", () => {
    const { names } = setup();
    expect(names.feed(record(answer("bank.example", "203.0.113.66"), { remoteAddr: "::ffff:203.0.113.1" }))).toBe(0);
    expect(names.feed(record(answer("bank.example", "203.0.113.66"), { remotePort: 5353 }))).toBe(0);
    expect(names.stats().untrusted).toBe(2);
  });

  it("follows a CNAME chain, with the lowest TTL on the way", () => {
    const p = dnsPacket.decode(answer("www.example.org", "198.51.100.8", 30, "edge.cdn.example"));
    expect(namesOf(p)).toEqual(
      expect.arrayContaining([
        { name: "www.example.org", addresses: ["198.51.100.8"], ttl: 30 },
        { name: "edge.cdn.example", addresses: ["198.51.100.8"], ttl: 60 },
      ]),
    );
  });

  it("reassembles DNS over TCP across segments (2-byte length prefix), and a gap loses the message rather than mixing two", () => {
    const { names } = setup();
    const msg = answer("split.example", "198.51.100.9");
    const framed = Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);
    const tcp = { proto: "tcp" as const, cookie: 9n };
    expect(names.feed(record(framed.subarray(0, 5), { ...tcp, tcpSeq: 1000 }))).toBe(0);
    expect(names.feed(record(framed.subarray(5), { ...tcp, tcpSeq: 1005 }))).toBe(1);
    expect(names.feed(record(framed.subarray(0, 5), { ...tcp, cookie: 10n, tcpSeq: 1 }))).toBe(0);
    expect(names.feed(record(framed.subarray(7), { ...tcp, cookie: 10n, tcpSeq: 8 }))).toBe(0);
  });

  it("a malformed payload is counted, not thrown", () => {
    const { names } = setup();
    expect(names.feed(record(Buffer.from([1, 2, 3])))).toBe(0);
    expect(names.stats().malformed).toBe(1);
  });
});
