import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { createShimWorld, type ShimWorld } from "../test/harness/world.js";

// The per-flow map calls share one set of key and value buffers (shim.ts): each answer must
// be decoded before the next call overwrites them, and keys must not leak into each other.

describe("per-flow map calls on shared buffers", () => {
  let w: ShimWorld;
  beforeAll(async () => {
    w = await createShimWorld({ servers: false });
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  it("flow verdicts round-trip, one key at a time, and values stay what they were read as", () => {
    const a = { cookie: 101n, addr: "127.0.0.1", port: 80, proto: "tcp" as const };
    const b = { cookie: 102n, addr: "::1", port: 443, proto: "udp" as const };
    w.shim.setFlowVerdict(a, { verdict: "allow", tag: 7 });
    w.shim.setFlowVerdict(b, { verdict: "deny", tag: 9 });
    const va = w.shim.getFlowVerdict(a);
    const vb = w.shim.getFlowVerdict(b);
    expect(va).toEqual({ verdict: "allow", tag: 7 });
    expect(vb).toEqual({ verdict: "deny", tag: 9 });
    expect(w.shim.getFlowVerdict({ ...a, port: 81 })).toBeUndefined();
    expect(w.shim.deleteFlowVerdict(a)).toBe(true);
    expect(w.shim.deleteFlowVerdict(a)).toBe(false);
    expect(w.shim.getFlowVerdict(a)).toBeUndefined();
    expect(w.shim.getFlowVerdict(b)).toEqual({ verdict: "deny", tag: 9 });
    w.shim.deleteFlowVerdict(b);
  });

  it("a flow that is not held has no pending entry, a tuple never queued no cookie", () => {
    expect(w.shim.getPending({ cookie: 5n, addr: "10.0.0.1", port: 1, proto: "tcp" })).toBeUndefined();
    expect(w.shim.queuedCookie({ saddr: "10.0.0.2", daddr: "10.0.0.1", sport: 2, dport: 1, proto: "udp" })).toBeUndefined();
    expect(w.shim.releasePending({ cookie: 5n, addr: "10.0.0.1", port: 1, proto: "tcp" })).toBe(false);
  });

  it("a release that carries the answer writes it as the flow's verdict in the same call, held or not", () => {
    const k = { cookie: 103n, addr: "192.0.2.9", port: 53, proto: "udp" as const };
    const expiresAt = Date.now() + 60_000;
    expect(w.shim.releasePending(k, { verdict: "allow", tag: 4, expiresAt }), "nothing was held under this key").toBe(false);
    const v = w.shim.getFlowVerdict(k);
    expect(v).toMatchObject({ verdict: "allow", tag: 4 });
    // the deadline goes through the boot clock and back: within a millisecond of what was given
    expect(Math.abs(v!.expiresAt! - expiresAt)).toBeLessThanOrEqual(1);
    expect(w.shim.releasePending(k)).toBe(false);
    expect(w.shim.getFlowVerdict(k), "a release without an answer leaves the verdict as it was").toMatchObject({ verdict: "allow", tag: 4 });
    w.shim.deleteFlowVerdict(k);
  });

  it("a bad key is refused every time, also after it was once tried", () => {
    for (let i = 0; i < 2; i++) {
      expect(() => w.shim.getPending({ cookie: 5n, addr: "not-an-address", port: 1, proto: "tcp" })).toThrow(/address/);
      expect(() => w.shim.setFlowVerdict({ cookie: 0n, addr: "10.0.0.1", port: 1, proto: "tcp" }, { verdict: "allow" })).toThrow(/cookie/);
    }
  });
});
