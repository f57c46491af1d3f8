import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityOf, openHold, type FlowDecision, type HeldFlow, type Hold } from "./index.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath } from "../test/harness/names.js";
import { runClient, startIn } from "../test/harness/spawn.js";
import { createShimWorld, OPEN_CONFIG, resetShim, type ShimWorld } from "../test/harness/world.js";

// Outbound holds: a connect() or a first datagram with no verdict waits in NFQUEUE until
// the test (playing the daemon) answers. The client runs in the test cgroup and client
// namespace, where the hold chains and the queue reader are installed.

const HOLD_CONFIG = { ...OPEN_CONFIG, unknownPolicy: { ...OPEN_CONFIG.unknownPolicy, connect: "hold", send: "hold" } } as const;
const ECHO_PORT = 9998;

describe("hold and ask: outbound", () => {
  let w: ShimWorld;
  let hold: Hold;
  const sghold = clientPath("sghold");
  const id = identityOf(sghold);
  /** What the test answers for each held flow; default: never (the test answers by hand). */
  let answer: (f: HeldFlow) => { afterMs: number; decision: FlowDecision } | undefined;
  const seen: HeldFlow[] = [];

  beforeAll(async () => {
    w = await createShimWorld();
    await startIn(w.peer, [sghold, "echo", "udp6", "::", String(ECHO_PORT)], w.cleanup);
    hold = await openHold(w.shim, { namespaces: [{ netnsPath: w.ns.path }], chainCheckMs: 0 });
    w.cleanup.add("close hold", () => hold.close());
    hold.onFlow((f) => {
      seen.push(f);
      const a = answer(f);
      if (a) setTimeout(() => hold.resolve(f.key, a.decision), a.afterMs);
    });
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });
  beforeEach(() => {
    resetShim(w.shim);
    w.shim.setConfig(HOLD_CONFIG);
    seen.length = 0;
    answer = () => undefined;
  });

  const allowAfter = (ms: number): typeof answer => () => ({ afterMs: ms, decision: { verdict: "allow", cache: "flow" } });

  it.each([
    ["blocking", [] as string[]],
    ["non-blocking", ["--nonblock"]],
  ])("a %s TCP connect waits 2 s for its answer, then connects", async (_, flags) => {
    answer = allowAfter(2000);
    const r = await runClient(w.inside, [sghold, "connect", "tcp4", w.ns.peer4, "8080", ...flags], { timeoutMs: 15_000 });
    expect(r).toMatchObject({ ok: true });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1900);
    expect(r.elapsedMs).toBeLessThan(4000);
    if (flags.length) expect(r.firstErr).toBe("EINPROGRESS");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ key: { addr: `::ffff:${w.ns.peer4}`, port: 8080, proto: "tcp" }, pending: { op: "connect", uid: 0, exeIno: id.exeIno } });
    const held = await w.events.waitFor((e) => e.tgid === r.pid && e.verdict === "held", 3000, "held event");
    expect(held).toMatchObject({ op: "connect", reason: "unknown", exePath: sghold });
  });
});
