import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf, type VerdictKey } from "./index.js";
import { run } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { runIn } from "../test/harness/spawn.js";
import { createShimWorld, OPEN_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// Raw and ping sockets send with no address hook: their packets are judged at egress,
// against the owner's verdicts for op send (proto raw / icmp), and a drop reaches the caller
// as EPERM. iputils ping falls back from a ping socket to a raw one: a deny covers both.

const PY = "/usr/bin/python3";
const PING = "/usr/bin/ping";
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

// One ICMP echo request on a ping (dgram) or raw socket; prints the errno name or "reply".
const ECHO = `
import errno, socket, struct, sys
kind, dst = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kind == "ping" else socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(1)
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); return ~(t + (t >> 16)) & 0xffff
hdr = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"sockgate"
pkt = hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:]
try:
    s.sendto(pkt, (dst, 0)); s.recv(1500); print("reply")
except socket.timeout:
    print("timeout")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
`;

describe("raw and ping sockets are judged at egress", () => {
  let w: ShimWorld;
  let denied4: string;

  beforeAll(async () => {
    w = await createShimWorld({ servers: false });
    denied4 = w.ns.peer4.replace(/\.2$/, ".3");
    run("ip", ["-n", w.ns.peer, "addr", "add", `${denied4}/24`, "dev", "sg1"]);
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => {
    resetShim(w.shim);
    w.shim.setConfig({ ...OPEN_CONFIG, reportAllows: false });
  });

  const sendKey = (exe: string, proto: "icmp" | "raw", addr: string, uid = 0): VerdictKey => ({ ...identityOf(exe), uid, op: "send", proto, addr });
  const echo = async (kind: "ping" | "raw", dst: string, asNobody = false): Promise<{ out: string; pid: number }> => {
    const r = await runIn(w.inside, [...(asNobody ? NOBODY : []), PY, "-c", ECHO, kind, dst]);
    return { out: r.stdout.trim(), pid: r.pid };
  };

  it("a ping socket's echo to a denied address is dropped (EPERM, reported); another address is answered", async () => {
    w.shim.setVerdict(sendKey(PY, "icmp", denied4, 65534), { verdict: "deny", tag: 3 });
    const denied = await echo("ping", denied4, true);
    expect(denied.out).toBe("EPERM");
    const ev = await w.events.waitFor((e) => e.tgid === denied.pid && e.hook === "egress");
    expect(ev).toMatchObject({ op: "send", proto: "icmp", verdict: "deny", reason: "app_addr", tag: 3, remoteAddr: `::ffff:${denied4}`, uid: 65534 });
    expect(ev.exeIno).toBe(identityOf(PY).exeIno);
    expect((await echo("ping", w.ns.peer4, true)).out).toBe("reply");
  });

  it("a raw socket's packet to a denied address is dropped; hold counts as deny where nothing can wait", async () => {
    w.shim.setVerdict(sendKey(PY, "raw", denied4), { verdict: "deny", tag: 4 });
    expect((await echo("raw", denied4)).out).toBe("EPERM");
    expect((await echo("raw", w.ns.peer4)).out).toBe("reply");
    w.shim.setConfig({ unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, send: "hold" } });
    const held = await echo("raw", w.ns.peer4);
    expect(held.out, "no verdict, hold policy: egress cannot hold").toBe("EPERM");
    expect(await w.events.waitFor((e) => e.tgid === held.pid && e.hook === "egress")).toMatchObject({ verdict: "deny", reason: "unknown" });
  });

  it("iputils ping: a deny for a destination covers the ping socket and the raw fallback", async () => {
    const ping = (dst: string): Promise<number | null> => runIn(w.inside, [...NOBODY, PING, "-n", "-c", "1", "-W", "1", dst]).then((r) => r.code);
    expect(await ping(denied4), "no verdict, unknown allowed: it answers").toBe(0);
    // what a rule "ping may not reach denied4" puts in the kernel
    for (const proto of ["icmp", "raw"] as const) w.shim.setVerdict(sendKey(PING, proto, denied4, 65534), { verdict: "deny", tag: 5 });
    expect(await ping(denied4), "over its ping socket").not.toBe(0);
    // its ping socket refused, ping falls back to a raw one (it has cap_net_raw)
    w.shim.setVerdict({ ...identityOf(PING), uid: 65534, op: "socket", proto: "icmp" }, { verdict: "deny", tag: 6 });
    const before = w.events.events.length;
    expect(await ping(w.ns.peer4), "the raw fallback still reaches allowed hosts").toBe(0);
    expect(await ping(denied4), "and the deny holds over the raw socket too").not.toBe(0);
    const raw = w.events.events.slice(before).find((e) => e.hook === "egress" && e.proto === "raw" && e.remoteAddr === `::ffff:${denied4}`);
    expect(raw).toMatchObject({ verdict: "deny", tag: 5, remoteAddr: `::ffff:${denied4}` });
  });

  it("TCP and plain UDP are not judged again at egress", async () => {
    const before = w.shim.counters().egress;
    const r = await runIn(w.inside, [PY, "-c", `import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(50): s.sendto(b"x", ("${w.ns.peer4}", 9))`]);
    expect(r.code).toBe(0);
    const after = w.shim.counters().egress;
    expect(after.runs - before.runs, "plain UDP leaves before the decision").toBe(0n);
  });
});
