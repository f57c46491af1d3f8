import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf } from "./index.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runIn, startIn } from "../test/harness/spawn.js";
import { createShimWorld, OPEN_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// SYNs the accept side meets in unusual shapes, sent by a raw socket from the peer: an
// IPv6 atomic fragment (fragment header, offset 0, M=0) is a SYN like any other and meets
// the verdicts; a SYN behind an extension chain too long to walk cannot be judged, so it is
// dropped and reported with its own reason.

const PY = "/usr/bin/python3";
const LISTEN_PORT = 8123;

// argv: shape src dst sport; sends one TCP SYN to dst:LISTEN_PORT behind the given headers.
const SEND = `
import socket, struct, sys
shape, src, dst, sport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def csum(b):
    if len(b) % 2: b += b"\\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); return ~(t + (t >> 16)) & 0xffff
s6, d6 = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
tcp = struct.pack("!HHIIBBHHH", sport, ${LISTEN_PORT}, 12345, 0, 5 << 4, 0x02, 64240, 0, 0)
tcp = tcp[:16] + struct.pack("!H", csum(s6 + d6 + struct.pack("!IxxxB", len(tcp), 6) + tcp)) + tcp[18:]
if shape == "atomic-fragment":
    first, body = 44, struct.pack("!BBHI", 6, 0, 0, 0x5eed) + tcp          # offset 0, M=0
else:
    n = 9                                                                     # one more than the shim walks
    opts = b"".join(struct.pack("!BB", 60 if i < n - 1 else 6, 0) + bytes([1, 4, 0, 0, 0, 0]) for i in range(n))
    first, body = 60, opts + tcp
r = socket.socket(socket.AF_INET6, socket.SOCK_RAW, first)
r.sendto(body, (dst, 0))
print("sent")
`;

describe("the accept side reads SYNs behind IPv6 extension headers", () => {
  let w: ShimWorld;
  const sgclient = clientPath("sgclient");

  beforeAll(async () => {
    w = await createShimWorld({ servers: false });
    await startIn(w.inside, [sgclient, "serve", "tcp6", "::", String(LISTEN_PORT)], w.cleanup);
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => resetShim(w.shim));

  const send = async (shape: string, sport: number): Promise<void> => {
    const r = await runIn(w.peer, [PY, "-c", SEND, shape, w.ns.peer6, w.ns.local6, String(sport)]);
    expect(r.stdout.trim(), r.stderr).toBe("sent");
  };
  const acceptKey = (verdictAddr: string) => ({ ...identityOf(sgclient), uid: 0, op: "accept", proto: "tcp", addr: verdictAddr }) as const;

  it("an atomic fragment carrying a SYN is decided as a SYN: a deny for its peer drops it, an allow lets it in", async () => {
    w.shim.setConfig({ ...OPEN_CONFIG, reportAllows: true });
    w.shim.setVerdict(acceptKey(w.ns.peer6), { verdict: "deny", tag: 21 });
    await send("atomic-fragment", 40001);
    const denied = await w.events.waitFor((e) => e.hook === "ingress" && e.remotePort === 40001);
    expect(denied).toMatchObject({ op: "accept", verdict: "deny", reason: "app_addr", tag: 21, remoteAddr: w.ns.peer6, localPort: LISTEN_PORT });
    w.shim.setVerdict(acceptKey(w.ns.peer6), { verdict: "allow", tag: 22 });
    await send("atomic-fragment", 40002);
    const allowed = await w.events.waitFor((e) => e.hook === "ingress" && e.remotePort === 40002);
    expect(allowed).toMatchObject({ op: "accept", verdict: "allow", reason: "app_addr", tag: 22 });
  });

  it("a SYN behind more extension headers than the shim walks is dropped and reported (unparseable), even under an allow", async () => {
    w.shim.setConfig({ ...OPEN_CONFIG, reportAllows: true });
    w.shim.setVerdict(acceptKey(w.ns.peer6), { verdict: "allow", tag: 23 });
    const before = w.shim.counters().ingress.denies;
    await send("long-chain", 40003);
    const ev = await w.events.waitFor((e) => e.hook === "ingress" && e.reason === "unparseable");
    expect(ev).toMatchObject({ op: "accept", verdict: "deny", remoteAddr: w.ns.peer6, exeIno: identityOf(sgclient).exeIno });
    expect(w.shim.counters().ingress.denies - before).toBe(1n);
  });
});
