import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf } from "./index.js";
import { sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runClient, runIn, startIn } from "../test/harness/spawn.js";
import { createShimWorld, resetShim, type ShimWorld } from "../test/harness/world.js";

// socket(), bind() and listen() cannot be held: they proceed and the question is asked
// afterwards. A deny answer then applies to the next call and to the socket already made.

const KEEP_PORT = 8091;

describe("a deny answered after socket(), bind() or listen() applies to the socket already made", () => {
  let w: ShimWorld;
  const sgclient = clientPath("sgclient");
  const sghold = clientPath("sghold");

  beforeAll(async () => {
    w = await createShimWorld();
    await startIn(w.peer, [sghold, "keep", "tcp6", "::", String(KEEP_PORT)], w.cleanup);
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => resetShim(w.shim));

  it("listen(): a listener that was accepting stops accepting once listen is denied", async () => {
    const id = identityOf(sgclient);
    const port = 7501;
    const listener = await startIn(w.inside, [sgclient, "listen", "tcp4", "0.0.0.0", String(port), "--accept-one", "--accept-timeout-ms", "4000"], w.cleanup);
    w.shim.setVerdict({ ...id, uid: 0, op: "listen", proto: "tcp", port }, { verdict: "deny", tag: 31 });
    const client = await runClient(w.peer, [sghold, "connect", "tcp4", w.ns.local4, String(port), "--timeout-ms", "1500"]);
    expect(client).toMatchObject({ ok: false, err: "ETIMEDOUT" });
    expect((await listener.done).json).toMatchObject({ accepted: false });
    const ev = await w.events.waitFor((e) => e.tgid === listener.pid && e.op === "accept", 3000, "accept event");
    expect(ev).toMatchObject({ verdict: "deny", reason: "app_port", tag: 31 });
  });

  it("bind(): a bound UDP socket is ended when its bind is denied", async () => {
    const script = [
      "import socket, errno",
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
      `s.bind(("0.0.0.0", 7502))`,
      "print('bound', flush=True)",
      "s.settimeout(6)",
      "try:",
      "    s.recv(10)",
      "    print('data')",
      "except OSError as e:",
      "    print('ended', errno.errorcode.get(e.errno, e.errno))",
    ].join("\n");
    const py = await startIn(w.inside, ["python3", "-c", script], w.cleanup, { readyToken: "bound" });
    const id = identityOf((await runIn({}, ["python3", "-c", "import sys, os; print(os.path.realpath(sys.executable))"])).stdout.trim());
    expect(w.shim.endSockets({}, [w.ns.path]), "allowed so far: nothing ends").toBe(0);
    w.shim.setVerdict({ ...id, uid: 0, op: "bind", proto: "udp", port: 7502 }, { verdict: "deny" });
    expect(w.shim.endSockets({}, [w.ns.path])).toBe(1);
    expect((await py.done).stdout).toMatch(/ended ECONNABORTED/);
  });

  it("socket(): an established connection of an app whose socket() is now denied is ended", async () => {
    const id = identityOf(sghold);
    const conn = runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, String(KEEP_PORT), "--hold-open-ms", "6000"], { timeoutMs: 15_000 });
    await sleep(500);
    w.shim.setVerdict({ ...id, uid: 0, op: "socket", proto: "tcp" }, { verdict: "deny" });
    expect(w.shim.endSockets({}, [w.ns.path])).toBe(1);
    const r = await conn;
    expect(r).toMatchObject({ ok: true, endErr: "ECONNABORTED" });
    expect(r.endAfterMs).toBeLessThan(2000);
    // and the next socket() fails at once
    const next = await runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, String(KEEP_PORT)]);
    expect(next).toMatchObject({ ok: false, err: "EACCES" });
    expect(await w.events.waitFor((e) => e.tgid === next.pid, 3000, "socket event")).toMatchObject({ op: "socket", verdict: "deny" });
  });
});
