import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { runIn } from "../test/harness/spawn.js";
import { createShimWorld, resetShim, type ShimWorld } from "../test/harness/world.js";

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
});
