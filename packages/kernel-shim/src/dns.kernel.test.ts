import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DnsRecord } from "@sockgate/protocol/codec";
import { identityOf } from "./index.js";
import { sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { runIn, startIn } from "../test/harness/spawn.js";
import { createShimWorld, type ShimWorld } from "../test/harness/world.js";

// DNS answers reach user space from the kernel: a client in the test cgroup asks a DNS
// server in the peer namespace over UDP and TCP; the shim reports what came back from port 53.

/** A tiny DNS server: answers every A query with 198.51.100.7, TTL 120, over UDP and TCP. */
const SERVER = `
import socket, struct, threading, sys
def answer(q):
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    end = 12
    while q[end] != 0: end += 1 + q[end]
    question = q[12:end + 5]
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + b"\\xc0\\x0c" + struct.pack("!HHIH", 1, 1, 120, 4) + bytes([198, 51, 100, 7])
def udp():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", 53))
    while True:
        q, a = s.recvfrom(2048); s.sendto(answer(q), a)
def tcp():
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("::", 53)); s.listen(8)
    while True:
        c, _ = s.accept(); n = struct.unpack("!H", c.recv(2))[0]; r = answer(c.recv(n)); c.sendall(struct.pack("!H", len(r)) + r); c.close()
threading.Thread(target=udp, daemon=True).start(); threading.Thread(target=tcp, daemon=True).start()
print("ready", file=sys.stderr, flush=True)
threading.Event().wait()
`;

/** Asks for NAME over PROTO and prints the answer's last 4 bytes as an address. */
const CLIENT = (server: string, proto: "udp" | "tcp", name: string): string => `
import socket, struct
q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(p)]) + p.encode() for p in "${name}".split(".")) + b"\\x00\\x00\\x01\\x00\\x01"
if "${proto}" == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3); s.sendto(q, ("${server}", 53)); r = s.recv(2048)
else:
    s = socket.create_connection(("${server}", 53), timeout=3); s.sendall(struct.pack("!H", len(q)) + q); n = struct.unpack("!H", s.recv(2))[0]; r = s.recv(n)
print(".".join(str(b) for b in r[-4:]))
`;

describe("DNS answers reported by the kernel", () => {
  let w: ShimWorld;
  const got: DnsRecord[] = [];

  beforeAll(async () => {
    w = await createShimWorld({ servers: false });
    w.cleanup.add("stop DNS listener", w.shim.onDns((r) => got.push(r)));
    await startIn(w.peer, ["python3", "-c", SERVER], w.cleanup);
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  const python = (): { exeIno: bigint; exeDev: number } => identityOf("/usr/bin/python3");

  // Runs first: the shim is told to trust the client namespace only at its end.
  it("captures nothing in a namespace it was not told to trust (a process could serve itself answers from the resolver's address there)", async () => {
    try {
      const r = await runIn(w.inside, ["/usr/bin/python3", "-c", CLIENT(w.ns.peer4, "udp", "untrusted.example.org")]);
      expect(r.stdout.trim(), r.stderr).toBe("198.51.100.7");
      await sleep(300);
      expect(got).toEqual([]);
    } finally {
      const cookie = w.shim.trustDnsIn(w.ns.path);
      expect(w.shim.dnsNamespaces()).toContain(cookie);
      expect(w.shim.holdNamespaces(), "trusted for DNS, but nothing is held there").not.toContain(cookie);
    }
  });

  it("over UDP: the answer's bytes, the server's address and the querying process", async () => {
    const r = await runIn(w.inside, ["/usr/bin/python3", "-c", CLIENT(w.ns.peer4, "udp", "app.example.org")]);
    expect(r.stdout.trim(), r.stderr).toBe("198.51.100.7");
    for (let i = 0; i < 50 && got.length === 0; i++) await sleep(20);
    const rec = got.find((g) => g.tgid === r.pid)!;
    expect(rec).toMatchObject({ proto: "udp", remoteAddr: `::ffff:${w.ns.peer4}`, remotePort: 53, uid: 0, exeIno: python().exeIno, exeDev: python().exeDev });
    expect(rec.argv.slice(0, 2), "the querying process's exec-time argv, as its events carry it").toEqual(["/usr/bin/python3", "-c"]);
    // header id 0x4242, the name in the question section, the address at the end
    expect(Buffer.from(rec.payload).readUInt16BE(0)).toBe(0x4242);
    expect(Buffer.from(rec.payload).includes(Buffer.from("\x07example\x03org"))).toBe(true);
    expect([...rec.payload.slice(-4)]).toEqual([198, 51, 100, 7]);
  });

  it("over TCP: each segment with its sequence number, to reassemble", async () => {
    got.length = 0;
    const r = await runIn(w.inside, ["python3", "-c", CLIENT(w.ns.peer4, "tcp", "tcp.example.org")]);
    expect(r.stdout.trim(), r.stderr).toBe("198.51.100.7");
    for (let i = 0; i < 50 && got.length === 0; i++) await sleep(20);
    const segs = got.filter((g) => g.tgid === r.pid && g.proto === "tcp").sort((a, b) => a.tcpSeq - b.tcpSeq);
    expect(segs.length).toBeGreaterThanOrEqual(1);
    const stream = Buffer.concat(segs.map((s) => Buffer.from(s.payload)));
    const len = stream.readUInt16BE(0);
    expect(stream.length).toBe(2 + len);
    expect([...stream.subarray(-4)]).toEqual([198, 51, 100, 7]);
  });

  it("reports nothing from a network namespace the querying user made, even from the resolver's address", async () => {
    got.length = 0;
    // the attack: a user namespace and network namespace of its own, the resolver's address
    // on its loopback, a server there answering whatever the process wants believed
    const inOwnNetns = `import socket, subprocess, threading
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["ip", "addr", "add", "${w.ns.peer4}/32", "dev", "lo"], check=True)
${SERVER.replace("threading.Event().wait()", "").replace('s.bind(("::", 53))', 's.bind(("::", 53)); ready.set()').replace("import socket, struct, threading, sys", "import socket, struct, threading, sys\nready = threading.Event()")}
ready.wait(5)
${CLIENT(w.ns.peer4, "udp", "forged.example.org")}`;
    const r = await runIn(w.inside, ["unshare", "--user", "--map-root-user", "--net", "/usr/bin/python3", "-c", inOwnNetns], { timeoutMs: 10_000 });
    expect(r.stdout.trim(), r.stderr).toBe("198.51.100.7");
    await sleep(300);
    expect(got, "answers captured from the process's own namespace").toEqual([]);
  });

  it("reports nothing for traffic that is not an answer from port 53", async () => {
    got.length = 0;
    await startIn(w.peer, ["python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM);s.bind(('::',5353))\nprint('ready',file=sys.stderr,flush=True)\nwhile True:\n  q,a=s.recvfrom(99);s.sendto(q,a)"], w.cleanup);
    const r = await runIn(w.inside, ["python3", "-c", `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2);s.sendto(b"hi",("${w.ns.peer4}",5353));print(s.recv(9))`]);
    expect(r.stdout).toMatch(/hi/);
    await sleep(200);
    expect(got).toEqual([]);
  });
});
