import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { runIn } from "../test/harness/spawn.js";
import { createShimWorld, OPEN_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";
import { sleep } from "../test/harness/exec.js";

// UDP-Lite is a SOCK_DGRAM and SCTP a SOCK_STREAM, but their connect() runs no cgroup hook
// and their packets are neither UDP nor TCP: a connected UDP-Lite socket sent anything to
// anyone, even with every unknown policy at deny (found by an attack). A governed process
// gets no such socket, whatever the policy; TCP, MPTCP and UDP sockets are made as before.

const PY = "/usr/bin/python3";
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** Tries each socket(family, type, protocol) and prints "name ok" or "name errno <n>". */
const tries = `import errno, socket
for name, fam, typ, proto in [
    ("udplite4", socket.AF_INET, socket.SOCK_DGRAM, 136), ("udplite6", socket.AF_INET6, socket.SOCK_DGRAM, 136),
    ("sctp4", socket.AF_INET, socket.SOCK_STREAM, 132), ("sctp-seq6", socket.AF_INET6, socket.SOCK_SEQPACKET, 132),
    ("udp4", socket.AF_INET, socket.SOCK_DGRAM, 17), ("udp6", socket.AF_INET6, socket.SOCK_DGRAM, 0),
    ("tcp4", socket.AF_INET, socket.SOCK_STREAM, 6), ("mptcp6", socket.AF_INET6, socket.SOCK_STREAM, 262)]:
    try:
        socket.socket(fam, typ, proto).close(); print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode[e.errno])`;

describe("socket(): transports the shim cannot see", () => {
  let w: ShimWorld;

  beforeAll(async () => {
    w = await createShimWorld({ servers: false });
    resetShim(w.shim); // every unknown policy allow
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  it.each([["root", []], ["an unprivileged user", NOBODY]] as const)("as %s: UDP-Lite and SCTP sockets are refused (EACCES, unsupported_protocol) under an allow policy; UDP, TCP and MPTCP are made", async (_, as) => {
    const r = await runIn(w.inside, [...as, PY, "-c", tries], { timeoutMs: 10_000 });
    expect(r.stderr).toBe("");
    const got = Object.fromEntries(r.stdout.trim().split("\n").map((l) => l.split(" ") as [string, string]));
    expect(got).toMatchObject({ udplite4: "EACCES", udplite6: "EACCES", udp4: "ok", udp6: "ok", tcp4: "ok", mptcp6: "ok" });
    // SCTP exists only where its module loads; where it does, its socket is refused like UDP-Lite's
    for (const name of ["sctp4", "sctp-seq6"]) expect(["EACCES", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT"]).toContain(got[name]);
    const refused = await w.events.waitFor((e) => e.tgid === r.pid && e.op === "socket" && e.reason === "unsupported_protocol", 3000, "the refusal's event");
    expect(refused).toMatchObject({ verdict: "deny", hook: "sock_create", proto: "other" });
  });

  it("a UDP-Lite socket made while ungoverned sends nothing once its process is governed (found by an attack); an ungoverned one still sends", async () => {
    w.shim.setConfig({ ...OPEN_CONFIG, scopeEnabled: true });
    w.shim.setScope({ uids: [65534], cgroupIds: [], exemptCgroupIds: [] });
    try {
      // the peer prints each UDP-Lite datagram from the client's address
      const capture = runIn(w.peer, [PY, "-c", `import socket, time
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, 136); r.settimeout(0.1)
end = time.time() + 3
while time.time() < end:
    try:
        p = r.recv(2048)
    except socket.timeout:
        continue
    if socket.inet_ntoa(p[12:16]) == "${w.ns.local4}":
        print("GOT", p[(p[0] & 15) * 4 + 8:].decode(errors="replace"), flush=True)
print("capture done", flush=True)`], { timeoutMs: 10_000 });
      await sleep(300);
      const r = await runIn(w.inside, [PY, "-c", `import errno, os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136)  # root: not governed
s.sendto(b"ungoverned", ("${w.ns.peer4}", 7040)); print("root sent", flush=True)
os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
for how in ("connect", "sendto"):
    try:
        if how == "connect":
            s.connect(("${w.ns.peer4}", 7041)); s.send(b"governed-connected")
        else:
            s.sendto(b"governed-sendto", ("${w.ns.peer4}", 7042))
        print(how, "ok", flush=True)
    except OSError as e:
        print(how, errno.errorcode[e.errno], flush=True)`], { timeoutMs: 10_000 });
      const got = (await capture).stdout;
      expect(r.stdout, r.stderr).toContain("root sent");
      expect(got, "the peer's capture ran").toContain("capture done");
      expect(got.split("\n").filter((l) => l.startsWith("GOT")), "UDP-Lite datagrams that reached the peer").toEqual(["GOT ungoverned"]);
      expect(r.stdout).toMatch(/connect EPERM/);
      expect(r.stdout).toMatch(/sendto EPERM/);
    } finally {
      w.shim.setConfig(OPEN_CONFIG);
      w.shim.setScope({ uids: [], cgroupIds: [], exemptCgroupIds: [] });
    }
  });
});
