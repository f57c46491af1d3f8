import { existsSync, readlinkSync, statSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { cgroup2Mount, createTestCgroup } from "./cgroup.js";
import { Cleanup } from "./cleanup.js";
import { assertNoLeftovers, findLeftovers } from "./leftovers.js";
import { clientPath } from "./names.js";
import { createNetns } from "./netns.js";
import { runClient, runIn, startIn } from "./spawn.js";

// The harness itself, without the shim: if these fail, shim test failures mean nothing.
describe("kernel test harness", () => {
  const sgclient = clientPath("sgclient");

  afterAll(() => assertNoLeftovers());

  it("finds the cgroup2 mount", () => {
    const mount = cgroup2Mount();
    expect(existsSync(`${mount}/cgroup.procs`)).toBe(true);
  });

  it("runs a client inside the test cgroup and network namespace, and removes both", async () => {
    const cleanup = new Cleanup();
    try {
      const cg = createTestCgroup(cleanup);
      const ns = createNetns(cleanup);
      const place = { cgroup: cg, netnsPath: ns.path };
      const where = await runIn(place, ["sh", "-c", "cat /proc/self/cgroup; readlink /proc/self/ns/net"]);
      expect(where.stdout).toContain(`0::/${cg.name}\n`);
      expect(where.stdout).toContain(`net:[${statSync(ns.path).ino}]`);
      // the test process itself stays where it was
      expect(readlinkSync("/proc/self/ns/net")).not.toBe(`net:[${statSync(ns.path).ino}]`);

      const server = await startIn({ netnsPath: ns.peerPath }, [sgclient, "serve", "tcp6", "::", "8080"], cleanup);
      for (const [proto, addr] of [["tcp4", ns.peer4], ["tcp6", ns.peer6], ["tcp6", `::ffff:${ns.peer4}`]] as const) {
        const r = await runClient(place, [sgclient, "connect", proto, addr, "8080"]);
        expect(r, `${proto} ${addr}`).toMatchObject({ ok: true, errno: 0, step: "connect" });
      }
      await server.stop();
    } finally {
      await cleanup.run();
    }
    expect(findLeftovers()).toEqual([]);
  });

  it("reports the errno the kernel gave, by number and name", async () => {
    const cleanup = new Cleanup();
    try {
      const ns = createNetns(cleanup);
      const cg = createTestCgroup(cleanup);
      const place = { cgroup: cg, netnsPath: ns.path };
      expect(await runClient(place, [sgclient, "connect", "tcp4", ns.peer4, "9"])).toMatchObject({ ok: false, errno: 111, err: "ECONNREFUSED", exitCode: 1 });
      // a SYN nobody answers: the client gives up after its own timeout
      const silent = await runClient(place, [sgclient, "connect", "tcp4", "10.78.0.1", "9", "--timeout-ms", "300"]);
      expect(silent.err).toMatch(/^(ETIMEDOUT|ENETUNREACH)$/);
      expect(await runClient(place, [sgclient, "bind", "udp6", "fd00:dead::1", "5000"])).toMatchObject({ ok: false, err: "EADDRNOTAVAIL", step: "bind" });
      expect(await runClient(place, [sgclient, "bind", "udp4", "0.0.0.0", "5000"])).toMatchObject({ ok: true, localPort: 5000 });
      expect(await runClient(place, [sgclient, "sendto", "udp6", `::ffff:${ns.peer4}`, "9999"])).toMatchObject({ ok: true, step: "sendto" });
    } finally {
      await cleanup.run();
    }
  });

  it("runs the accept case: a listener in the cgroup, a client from the peer namespace", async () => {
    const cleanup = new Cleanup();
    try {
      const ns = createNetns(cleanup);
      const cg = createTestCgroup(cleanup);
      const listener = await startIn({ cgroup: cg, netnsPath: ns.path }, [sgclient, "listen", "tcp4", "0.0.0.0", "7000", "--accept-one"], cleanup);
      const client = await runClient({ netnsPath: ns.peerPath }, [sgclient, "connect", "tcp4", ns.local4, "7000", "--timeout-ms", "1500"]);
      expect(client).toMatchObject({ ok: true });
      const result = await listener.done;
      expect(result.json).toMatchObject({ ok: true, accepted: true, peer: ns.peer4, pid: listener.pid });
    } finally {
      await cleanup.run();
    }
  });

  it("cleans up everything even when the test body throws", async () => {
    const cleanup = new Cleanup();
    let cgPath = "";
    let nsPath = "";
    const body = async (): Promise<void> => {
      try {
        const cg = createTestCgroup(cleanup);
        const ns = createNetns(cleanup);
        cgPath = cg.path;
        nsPath = ns.path;
        // a process still running in the cgroup when the test fails
        await startIn({ cgroup: cg, netnsPath: ns.path }, [sgclient, "serve", "udp4", "0.0.0.0", "5353"], cleanup);
        throw new Error("deliberate failure");
      } finally {
        await cleanup.run();
      }
    };
    await expect(body()).rejects.toThrow("deliberate failure");
    expect(existsSync(cgPath)).toBe(false);
    expect(existsSync(nsPath)).toBe(false);
    expect(cleanup.size).toBe(0);
    expect(findLeftovers()).toEqual([]);
  });

  it("reports every failed undo step and still runs the rest", async () => {
    const cleanup = new Cleanup();
    const ran: string[] = [];
    cleanup.add("first", () => void ran.push("first"));
    cleanup.add("broken", () => {
      throw new Error("boom");
    });
    cleanup.add("last", () => void ran.push("last"));
    await expect(cleanup.run()).rejects.toThrow('cleanup step "broken" failed: boom');
    expect(ran).toEqual(["last", "first"]);
  });
});
