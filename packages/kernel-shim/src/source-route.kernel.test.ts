import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abi } from "@sockgate/protocol";
import { identityOf } from "./index.js";
import { run, sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { runIn, startIn, type Place } from "../test/harness/spawn.js";
import { createShimWorld, OPEN_CONFIG, type ShimWorld } from "../test/harness/world.js";

// Source routing must not carry traffic past an address verdict: the call names an allowed
// address, a routing header (IPv6) or a loose source route (IPv4) sends the packet to a
// denied first hop. Options set with setsockopt() are refused; what a per-message control
// message adds to a UDP packet is dropped at egress. Each path is also run outside the
// shim's cgroup, where the packet does reach the denied host: the attack is real.

const PY = "/usr/bin/python3";
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const MARK = "sockgate-source-route";

// The attacker: one path per run; prints {"result": "sent" | errno name}.
const ATTACK = `
import errno, json, socket, struct, sys
path, fam, allowed, denied = sys.argv[1:5]
port = 9999
def srh(hop):
    # type-4 segment routing header: segments [final (the kernel fills it), first hop]
    segs = socket.inet_pton(socket.AF_INET6, "::") + socket.inet_pton(socket.AF_INET6, hop)
    return struct.pack("!BBBBBBH", 0, len(segs) // 8, 4, 1, 1, 0, 0) + segs
def rh2(hop):
    # type-2 routing header (the only type a control message may carry): one address, the first hop
    return struct.pack("!BBBBI", 0, 2, 2, 1, 0) + socket.inet_pton(socket.AF_INET6, hop)
def lsrr(hop):
    return bytes([1, 0x83, 7, 4]) + socket.inet_aton(hop)  # NOP, LSRR len 7 ptr 4, first hop
try:
    if fam == "6":
        kind = socket.SOCK_STREAM if path.startswith("tcp") else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET6, kind)
        if path.endswith("setsockopt"):
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, srh(denied))
        if kind == socket.SOCK_STREAM:
            s.settimeout(1)
            try: s.connect((allowed, 8080))
            except socket.timeout: pass
        elif path.endswith("cmsg"):
            s.sendmsg([b"${MARK}"], [(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, rh2(denied))], 0, (allowed, port))
        else:
            s.sendto(b"${MARK}", (allowed, port))
    else:
        kind = socket.SOCK_STREAM if path.startswith("tcp") else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET, kind)
        if path.endswith("setsockopt"):
            s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, lsrr(denied))
        if kind == socket.SOCK_STREAM:
            s.settimeout(1)
            try: s.connect((allowed, 8080))
            except socket.timeout: pass
        elif path.endswith("cmsg"):
            s.sendmsg([b"${MARK}"], [(socket.IPPROTO_IP, 7, lsrr(denied))], 0, (allowed, port))  # IP_RETOPTS
        else:
            s.sendto(b"${MARK}", (allowed, port))
    print(json.dumps({"result": "sent"}))
except OSError as e:
    print(json.dumps({"result": errno.errorcode.get(e.errno, str(e.errno))}))
`;

// Counts packets the peer receives for the denied address (AF_PACKET on its veth end).
const SNIFF = `
import socket, sys, time
denied4, denied6 = socket.inet_aton(sys.argv[1]), socket.inet_pton(socket.AF_INET6, sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind(("sg1", 0)); s.settimeout(0.2)
print("ready", flush=True)
while True:
    try: p = s.recv(65535)
    except socket.timeout: continue
    eth = p[12:14]
    if eth == b"\\x08\\x00" and p[14 + 16:14 + 20] == denied4: print("hit4", flush=True)
    if eth == b"\\x86\\xdd" and p[14 + 24:14 + 40] == denied6: print("hit6", flush=True)
`;

describe("source routing cannot pass an address verdict", () => {
  let w: ShimWorld;
  let denied4: string;
  let denied6: string;
  let hits: string;

  beforeAll(async () => {
    w = await createShimWorld();
    w.shim.setConfig({ ...OPEN_CONFIG, reportAllows: false });
    denied4 = w.ns.peer4.replace(/\.2$/, ".3");
    denied6 = w.ns.peer6.replace(/::2$/, "::3");
    run("ip", ["-n", w.ns.peer, "addr", "add", `${denied4}/24`, "dev", "sg1"]);
    run("ip", ["-n", w.ns.peer, "addr", "add", `${denied6}/64`, "dev", "sg1", "nodad"]);
    hits = "";
    const sniffer = await startIn(w.peer, [PY, "-c", SNIFF, denied4, denied6], w.cleanup);
    sniffer.child.stdout?.on("data", (d: Buffer) => (hits += d.toString()));
    // python3 may talk to the allowed peer only: the denied hosts are denied by address
    const py = identityOf(PY);
    for (const [addr, proto, op] of [
      [denied4, "udp", "send"],
      [denied6, "udp", "send"],
      [denied4, "tcp", "connect"],
      [denied6, "tcp", "connect"],
    ] as const) {
      for (const uid of [0, 65534]) w.shim.setVerdict({ ...py, uid, op, proto, addr }, { verdict: "deny", tag: 66 });
    }
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  async function attack(place: Place, path: string, fam: "4" | "6", asNobody: boolean): Promise<{ result: string; pid: number; saw: boolean }> {
    hits = "";
    const allowed = fam === "4" ? w.ns.peer4 : w.ns.peer6;
    const denied = fam === "4" ? denied4 : denied6;
    const argv = [...(asNobody ? NOBODY : []), PY, "-c", ATTACK, path, fam, allowed, denied];
    const r = await runIn(place, argv);
    await sleep(300);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as { result: string };
    return { result: out.result, pid: r.pid, saw: hits.includes(`hit${fam}`) };
  }

  const outside = (): Place => ({ netnsPath: w.ns.path }); // the same namespace, not the shim's cgroup

  it.each([
    ["udp6 setsockopt IPV6_RTHDR (uid 65534)", "udp-setsockopt", "6", true, "EACCES"],
    ["tcp6 setsockopt IPV6_RTHDR (uid 65534)", "tcp-setsockopt", "6", true, "EACCES"],
    ["udp4 setsockopt IP_OPTIONS LSRR (root)", "udp-setsockopt", "4", false, "EACCES"],
    ["tcp4 setsockopt IP_OPTIONS LSRR (root)", "tcp-setsockopt", "4", false, "EACCES"],
    ["udp4 IP_RETOPTS LSRR control message (root)", "udp-cmsg", "4", false, "EPERM"],
  ] as const)("%s: refused, nothing reaches the denied host", async (_name, path, fam, asNobody, errno) => {
    const control = await attack(outside(), path, fam, asNobody);
    expect(control, "without the shim the packet goes to the denied first hop").toMatchObject({ result: "sent", saw: true });
    const r = await attack(w.inside, path, fam, asNobody);
    expect(r).toMatchObject({ result: errno, saw: false });
    const ev = await w.events.waitFor((e) => e.tgid === r.pid && e.reason === "source_route");
    expect(ev).toMatchObject({ verdict: "deny", hook: path.endsWith("cmsg") ? "egress" : "setsockopt", exeIno: identityOf(PY).exeIno });
    expect(ev.uid).toBe(asNobody ? 65534 : 0);
  });

  it("udp6 IPV6_RTHDR control message: this kernel takes none (type 4 is refused, type 2 needs CONFIG_IPV6_MIP6)", async () => {
    const control = await attack(outside(), "udp-cmsg", "6", true);
    const r = await attack(w.inside, "udp-cmsg", "6", true);
    expect([control.result, control.saw, r.result, r.saw]).toEqual(["EINVAL", false, "EINVAL", false]);
  });

  it("a routing header set before the shim loaded: the socket's packets are dropped at egress", async () => {
    // the one way left to put a routing header on UDP here: a socket older than the shim
    const fresh = await createShimWorld({ servers: false });
    const flag = `/tmp/${fresh.ns.name}-sticky`;
    const denied = fresh.ns.peer6.replace(/::2$/, "::3");
    const code = [
      "import json, os, socket, struct, sys, time",
      `allowed, denied = "${fresh.ns.peer6}", "${denied}"`,
      "segs = socket.inet_pton(socket.AF_INET6, '::') + socket.inet_pton(socket.AF_INET6, denied)",
      "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)",
      "s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, struct.pack('!BBBBBBH', 0, 4, 4, 1, 1, 0, 0) + segs)",
      "print('ready', flush=True)",
      `while not os.path.exists("${flag}"): time.sleep(0.02)`,
      "try:\n    s.sendto(b'" + MARK + "', (allowed, 9999)); print(json.dumps({'result': 'sent'}), flush=True)",
      "except OSError as e:\n    import errno; print(json.dumps({'result': errno.errorcode[e.errno]}), flush=True)",
      "time.sleep(5)",
    ].join("\n");
    try {
      run("ip", ["-n", fresh.ns.peer, "addr", "add", `${denied}/64`, "dev", "sg1", "nodad"]);
      // the world's shim is attached already: detach it, make the socket, attach again
      const { unloadShim, openShim } = await import("./index.js");
      fresh.shim.close();
      unloadShim(fresh.pinDir);
      const sender = await startIn(fresh.inside, [PY, "-c", code], fresh.cleanup);
      let said = "";
      sender.child.stdout?.on("data", (d: Buffer) => (said += d.toString()));
      const again = openShim({ cgroupPath: fresh.cg.path, pinDir: fresh.pinDir, config: OPEN_CONFIG });
      fresh.cleanup.add("close re-opened shim", () => again.close());
      run("touch", [flag]);
      fresh.cleanup.add(`rm ${flag}`, () => void run("rm", ["-f", flag]));
      for (let i = 0; i < 100 && !said.includes("result"); i++) await sleep(20);
      expect(said).toContain('"result": "EPERM"');
      expect(again.counters().egress.denies).toBeGreaterThan(0n);
    } finally {
      await fresh.cleanup.run();
    }
  });

  it("plain sends to the allowed address still pass, and the denied address is still denied", async () => {
    const ok = await attack(w.inside, "udp-plain", "6", true);
    expect(ok.result).toBe("sent");
    const counters = w.shim.counters();
    expect(counters.setsockopt.denies).toBeGreaterThan(0n);
    expect(counters.egress.denies).toBeGreaterThan(0n);
    expect(abi.HOOKS).toContain("egress");
  });
});
