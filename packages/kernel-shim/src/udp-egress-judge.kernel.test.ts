import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identityOf } from "./index.js";
import { run, sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { runIn } from "../test/harness/spawn.js";
import { arrivedDatagrams as arrived, udpCapture as capture, udpClient as client } from "../test/harness/udp-capture.js";
import { createPortHoldWorld } from "../test/harness/port-hold-world.js";
import { createShimWorld, OPEN_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// Egress decides every datagram of a UDP socket that held a flow, and every corked push
// (hold-unhooked-sends.kernel.test.ts says why). It must decide what the hook would have:
// the same operation, the same sender, the same destination. Found by an attack: a corked
// push on a connected socket was judged as a send (its plain send() passed), the first
// owner was judged after a setresuid, and a datagram rewritten by a DNAT met no flow
// verdict at its new address. Each of these dropped a datagram the hook had allowed.

const PY = "/usr/bin/python3";
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

describe("egress judges a connected socket's corked push as the connect it is", () => {
  let w: ShimWorld;

  beforeAll(async () => {
    w = await createShimWorld();
    resetShim(w.shim);
    w.shim.setConfig({ ...OPEN_CONFIG, unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, connect: "allow", send: "deny" } });
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  // A datagram to the connected peer is the connect()'s, named or not: a sendto() naming it,
  // and every send() of an IPv6 socket connected to a v4-mapped peer (which the kernel hands
  // to the sendmsg4 hook with the peer's address), are decided as the connect, by the hook
  // and by egress. 7027 is such a socket.
  it("arrives where connect() is allowed, even when sends with no verdict (or the app's sends to that port) are denied", async () => {
    const py = identityOf(PY);
    const key = { exeDev: py.exeDev, exeIno: py.exeIno, uid: 65534, proto: "udp" } as const;
    // 7022: the app's sends to this port are denied, connect() to this peer is allowed: a
    // datagram to the connected peer is decided by connect's verdict first
    w.shim.setVerdict({ ...key, op: "send", port: 7022 }, { verdict: "deny", tag: 1 });
    w.shim.setVerdict({ ...key, op: "connect", addr: w.ns.peer4, port: 7022 }, { verdict: "allow", tag: 2 });
    const captures = [runIn(w.peer, [PY, "-c", capture(w.ns.local4, 3)], { timeoutMs: 20_000 }), runIn(w.peer, [PY, "-c", capture(w.ns.local6, 3, true)], { timeoutMs: 20_000 })];
    await sleep(300);
    const cases = [[7021, w.ns.peer4, false], [7022, w.ns.peer4, false], [7026, w.ns.peer6, true], [7027, `::ffff:${w.ns.peer4}`, true]] as const;
    const outs = await Promise.all(
      cases.map(([port, peer, v6]) =>
        runIn(w.inside, [...NOBODY, PY, "-c", client(`s.connect(("${peer}", ${port}))\ns.send(b"plain-${port}")\ns.sendto(b"named-${port}", ("${peer}", ${port}))\ns.send(b"corked-${port}-", MSG_MORE)\ntime.sleep(0.3)\ns.send(b"pushed")`, v6)], { timeoutMs: 20_000 }),
      ),
    );
    expect(outs.map((o) => o.stdout.trim())).toEqual(cases.map(() => "sent"));
    const got = (await Promise.all(captures)).map((c) => arrived(c.stdout));
    expect(got.flat().sort()).toEqual(cases.flatMap(([port]) => [`GOT ${port} corked-${port}-pushed`, `GOT ${port} named-${port}`, `GOT ${port} plain-${port}`]).sort());
  }, 30_000);

  it("an unconnected socket's corked push is judged as the send it is, whatever connect() may do", async () => {
    const py = identityOf(PY);
    const key = { exeDev: py.exeDev, exeIno: py.exeIno, uid: 65534, proto: "udp" } as const;
    w.shim.setVerdict({ ...key, op: "connect" }, { verdict: "deny", tag: 6 });
    w.shim.setVerdict({ ...key, op: "send", addr: w.ns.peer4, port: 7024 }, { verdict: "allow", tag: 7 });
    const capturing = runIn(w.peer, [PY, "-c", capture(w.ns.local4, 2.5)], { timeoutMs: 20_000 });
    await sleep(300);
    const outs = await Promise.all(
      [7024, 7025].map((port) => runIn(w.inside, [...NOBODY, PY, "-c", client(`s.sendto(b"corked-${port}-", MSG_MORE, ("${w.ns.peer4}", ${port}))\ntime.sleep(0.3)\ns.send(b"pushed")`)], { timeoutMs: 20_000 })),
    );
    // 7025 has no verdict and sends with none are denied: the sendmsg hook refuses the append
    expect(outs.map((o) => o.stdout.trim())).toEqual(["sent", "refused 13"]);
    expect(arrived((await capturing).stdout)).toEqual(["GOT 7024 corked-7024-pushed"]);
  }, 30_000);
});

describe("egress judges a held socket's datagram for its sender and its named destination", () => {
  let w: ShimWorld;
  let heldPorts: number[];

  // 7039 is denied, every other port allowed for this flow only
  beforeAll(async () => {
    ({ w, heldPorts } = await createPortHoldWorld((port) => (port === 7039 ? "deny" : "allow"), 200));
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  it("a held datagram rewritten by a DNAT, and the later ones to the same address, arrive once allowed; a denied one does not", async () => {
    const nat = (op: "-A" | "-D", port: number): string =>
      run("nsenter", [`--net=${w.ns.path}`, "--", "iptables", "-w", "-t", "nat", op, "OUTPUT", "-p", "udp", "-d", "203.0.113.10", "--dport", String(port), "-j", "DNAT", "--to-destination", `${w.ns.peer4}:${port}`]);
    run("ip", ["-n", w.ns.name, "route", "add", "203.0.113.0/24", "dev", "sg0"]);
    for (const port of [7031, 7039]) {
      nat("-A", port);
      w.cleanup.add(`remove the DNAT of ${port}`, () => void nat("-D", port));
    }
    const capturing = runIn(w.peer, [PY, "-c", capture(w.ns.local4, 3)], { timeoutMs: 20_000 });
    await sleep(300);
    const outs = await Promise.all(
      [7031, 7039].map((port) => runIn(w.inside, [...NOBODY, PY, "-c", client(`for i in range(3):\n    s.sendto(b"n%d-${port}" % i, ("203.0.113.10", ${port}))\n    time.sleep(0.5)`)], { timeoutMs: 20_000 })),
    );
    expect(outs.map((o) => o.stderr)).toEqual(["", ""]);
    expect(heldPorts.sort()).toEqual([7031, 7039]);
    expect(arrived((await capturing).stdout)).toEqual(["GOT 7031 n0-7031", "GOT 7031 n1-7031", "GOT 7031 n2-7031"]);
  }, 30_000);

  it("the same over IPv6 (ip6tables nat OUTPUT DNAT)", async () => {
    const nat = (op: "-A" | "-D"): string =>
      run("nsenter", [`--net=${w.ns.path}`, "--", "ip6tables", "-w", "-t", "nat", op, "OUTPUT", "-p", "udp", "-d", "2001:db8:99::10", "--dport", "7032", "-j", "DNAT", "--to-destination", `[${w.ns.peer6}]:7032`]);
    run("ip", ["-n", w.ns.name, "-6", "route", "add", "2001:db8:99::/64", "dev", "sg0"]);
    nat("-A");
    w.cleanup.add("remove the IPv6 DNAT", () => void nat("-D"));
    const capturing = runIn(w.peer, [PY, "-c", capture(w.ns.local6, 3, true)], { timeoutMs: 20_000 });
    await sleep(300);
    const out = await runIn(w.inside, [...NOBODY, PY, "-c", client(`for i in range(3):\n    s.sendto(b"n%d-7032" % i, ("2001:db8:99::10", 7032))\n    time.sleep(0.5)`, true)], { timeoutMs: 20_000 });
    expect(out.stdout.trim()).toBe("sent");
    expect(heldPorts).toContain(7032);
    expect(arrived((await capturing).stdout)).toEqual(["GOT 7032 n0-7032", "GOT 7032 n1-7032", "GOT 7032 n2-7032"]);
  }, 30_000);

  it("a held socket used after setresuid is judged for the user who sends, not the one who held", async () => {
    const py = identityOf(PY);
    const key = { exeDev: py.exeDev, exeIno: py.exeIno, proto: "udp", op: "send" } as const;
    w.shim.setVerdict({ ...key, uid: 65534, addr: w.ns.peer4, port: 7042 }, { verdict: "allow", tag: 3 });
    w.shim.setVerdict({ ...key, uid: 0, addr: w.ns.peer4, port: 7043 }, { verdict: "allow", tag: 4 });
    w.shim.setVerdict({ ...key, uid: 65534, addr: w.ns.peer4, port: 7043 }, { verdict: "deny", tag: 5 });
    const capturing = runIn(w.peer, [PY, "-c", capture(w.ns.local4, 3)], { timeoutMs: 20_000 });
    await sleep(300);
    const body = `s.sendto(b"root-7041", ("${w.ns.peer4}", 7041))
time.sleep(0.6)
os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
s.sendto(b"nobody-7042", ("${w.ns.peer4}", 7042))
try:
    s.sendto(b"nobody-7043", ("${w.ns.peer4}", 7043))
except OSError as e:
    print("7043 refused", e.errno)`;
    const out = await runIn(w.inside, [PY, "-c", client(body)], { timeoutMs: 20_000 });
    expect(out.stdout.trim().split("\n")).toEqual(["7043 refused 13", "sent"]);
    expect(arrived((await capturing).stdout)).toEqual(["GOT 7041 root-7041", "GOT 7042 nobody-7042"]);
  }, 30_000);
});
