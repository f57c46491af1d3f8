import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identityOf } from "./index.js";
import { sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { runIn } from "../test/harness/spawn.js";
import { udpCapture } from "../test/harness/udp-capture.js";
import { createPortHoldWorld } from "../test/harness/port-hold-world.js";
import { createShimWorld, DENY_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// A datagram can leave a UDP socket without running the sendmsg hook: corked data (MSG_MORE,
// UDP_CORK) is judged when it is appended and sent when it is pushed, and the push runs no
// hook. The holder forgets a flow answered before its packet 5 s after the answer, so a push
// later than that met neither a pending flow nor a check, and a denied datagram got out (found
// by an attack). Each datagram of a socket that held a flow is now decided at egress.

const PY = "/usr/bin/python3";
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const PUSH_AFTER_S = 6.5; // past the holder's 5 s memory of an answered flow

/** Corks a datagram to port, then pushes it PUSH_AFTER_S later in the way mode says. */
function corker(mode: string, v6: boolean, peer: string, port: number): string {
  return `import socket, time
UDP_CORK, MSG_MORE = 1, 0x8000
s = socket.socket(socket.AF_INET6 if ${v6 ? "True" : "False"} else socket.AF_INET, socket.SOCK_DGRAM)
dst = ("${peer}", ${port})
mode = "${mode}"
try:
    if mode == "msg-more":
        s.sendto(b"corked-${port}-", MSG_MORE, dst); time.sleep(${PUSH_AFTER_S}); s.send(b"pushed")
    elif mode == "udp-cork":
        s.setsockopt(socket.IPPROTO_UDP, UDP_CORK, 1); s.sendto(b"corked-${port}-", dst); time.sleep(${PUSH_AFTER_S})
        s.setsockopt(socket.IPPROTO_UDP, UDP_CORK, 0)
    elif mode == "connected":
        s.connect(dst); s.send(b"corked-${port}-", MSG_MORE); time.sleep(${PUSH_AFTER_S}); s.send(b"pushed")
    elif mode == "other-destination":
        s.sendto(b"corked-${port}-", MSG_MORE, dst); time.sleep(${PUSH_AFTER_S}); s.sendto(b"pushed", ("${peer}", ${port + 50}))
    print("pushed", flush=True)
except OSError as e:
    print("refused", e.errno, flush=True)`;
}

describe("hold: datagrams that leave without a hook", () => {
  let w: ShimWorld;
  let heldPorts: number[];

  // port 7090 is allowed, every other port denied, each 300 ms after it was held
  beforeAll(async () => {
    ({ w, heldPorts } = await createPortHoldWorld((port) => (port === 7090 ? "allow" : "deny"), 300));
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  it("a corked datagram answered deny and pushed after the holder forgot its flow never reaches the peer; one answered allow does", async () => {
    const cases = [
      ["msg-more", false, 7001, true],
      ["udp-cork", false, 7002, true],
      ["connected", false, 7003, true],
      ["other-destination", false, 7004, true],
      ["msg-more", true, 7005, true],
      ["connected", true, 7006, false],
      ["msg-more", false, 7090, true],
    ] as const;
    const captures = [runIn(w.peer, [PY, "-c", udpCapture(w.ns.local4, PUSH_AFTER_S + 3)], { timeoutMs: 20_000 }), runIn(w.peer, [PY, "-c", udpCapture(w.ns.local6, PUSH_AFTER_S + 3, true)], { timeoutMs: 20_000 })];
    await sleep(400);
    const clients = await Promise.all(
      cases.map(([mode, v6, port, asNobody]) => runIn(w.inside, [...(asNobody ? NOBODY : []), PY, "-c", corker(mode, v6, v6 ? w.ns.peer6 : w.ns.peer4, port)], { timeoutMs: 20_000 })),
    );
    const got = (await Promise.all(captures)).map((c) => c.stdout);
    expect(got.join(""), "both captures ran to the end").toMatch(/capture done[\s\S]*capture done/);
    for (const c of clients) expect(c.stderr).toBe("");
    expect(heldPorts.sort(), "every corked datagram was held when it was appended").toEqual(cases.map((c) => c[2]).sort());
    const arrived = got.join("").split("\n").filter((l) => l.startsWith("GOT"));
    expect(arrived, "datagrams that reached the peer").toEqual(["GOT 7090 corked-7090-pushed"]);
  }, 30_000);
});

// A UDP socket that never held a flow: its corked datagram was allowed (by a kernel verdict)
// when it was appended, the allow is withdrawn, then more is appended and pushed. Neither
// the appends nor the push run a hook, and endSockets does not flush a connected socket's
// cork (found by an attack). A corked push is decided at egress like a held socket's.
describe("hold: corked datagrams whose allow was withdrawn", () => {
  let w: ShimWorld;

  beforeAll(async () => {
    w = await createShimWorld();
    resetShim(w.shim);
    w.shim.setConfig(DENY_CONFIG);
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  it("get nothing to the peer after the withdrawal; a corked datagram still allowed arrives", async () => {
    const py = identityOf(PY);
    const verdicts = (port: number, verdict: "allow" | "deny"): void => {
      for (const op of ["send", "connect"] as const) w.shim.setVerdict({ exeDev: py.exeDev, exeIno: py.exeIno, uid: 65534, op, proto: "udp", addr: w.ns.peer4, port }, { verdict, tag: 1 });
    };
    const withdrawn = [["msg-more", 7011], ["udp-cork", 7012], ["connected", 7013], ["connected", 7014]] as const;
    for (const [, port] of withdrawn) verdicts(port, "allow");
    verdicts(7091, "allow");
    const capturing = runIn(w.peer, [PY, "-c", udpCapture(w.ns.local4, PUSH_AFTER_S + 2.5)], { timeoutMs: 20_000 });
    await sleep(300);
    const clients = [...withdrawn, ["msg-more", 7091] as const].map(([mode, port]) => runIn(w.inside, [...NOBODY, PY, "-c", corker(mode, false, w.ns.peer4, port)], { timeoutMs: 20_000 }));
    await sleep(1500);
    // what the daemon does when an allow is withdrawn: the deny goes in, the sockets are ended
    for (const [, port] of withdrawn) verdicts(port, "deny");
    w.shim.endSockets({ idents: [{ exeIno: py.exeIno, exeDev: py.exeDev, uid: 65534 }] }, [w.ns.path]);
    const outs = await Promise.all(clients);
    const got = (await capturing).stdout;
    expect(got, "the capture ran to the end").toContain("capture done");
    for (const c of outs) expect(c.stderr).toBe("");
    expect(got.split("\n").filter((l) => l.startsWith("GOT")), "datagrams that reached the peer").toEqual(["GOT 7091 corked-7091-pushed"]);
  }, 30_000);
});
