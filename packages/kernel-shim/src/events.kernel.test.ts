import { event, type ShimEvent } from "@sockgate/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { createTestCgroup } from "../test/harness/cgroup.js";
import { Cleanup } from "../test/harness/cleanup.js";
import { EventCollector } from "../test/harness/events.js";
import { sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath, packagePath } from "../test/harness/names.js";
import { runClient, startIn } from "../test/harness/spawn.js";
import { OPEN_CONFIG, openShimWithCleanup, pinDirName } from "../test/harness/world.js";

// Event delivery never loses a record it did not count: a listener that closes the shim
// or unsubscribes leaves the rest of the ring buffer for the next reader, and a failed
// start of delivery does not leave later subscriptions silently dead.

const sgclient = clientPath("sgclient");

describe("event delivery", () => {
  const cleanup = new Cleanup();
  afterEach(async () => {
    await cleanup.run();
    assertNoLeftovers();
  });

  /** A cgroup with a shim that reports everything, and one process's two records (socket, bind) waiting in the ring buffer. */
  async function twoRecordsWaiting() {
    const cg = createTestCgroup(cleanup);
    const pinDir = pinDirName();
    const shim = openShimWithCleanup(cleanup, { cgroupPath: cg.path, pinDir, config: OPEN_CONFIG });
    // nobody listens yet: both records stay in the ring buffer
    const r = await runClient({ cgroup: cg }, [sgclient, "bind", "udp4", "127.0.0.1", "0"]);
    expect(r).toMatchObject({ ok: true });
    return { cg, pinDir, shim, pid: r.pid };
  }

  const mine = (pid: number) => (e: ShimEvent) => e.tgid === pid;

  it("closing the shim inside a listener leaves the next record to the next shim opened on the pins", async () => {
    const { cg, pinDir, shim, pid } = await twoRecordsWaiting();
    const got: ShimEvent[] = [];
    shim.onEvent((record) => {
      got.push(event.decode(record));
      shim.close();
    });
    await sleep(300);
    expect(got.map((e) => e.op)).toEqual(["socket"]);

    const next = openShimWithCleanup(cleanup, { cgroupPath: cg.path, pinDir });
    const events = new EventCollector(next, cleanup);
    expect(await events.waitFor((e) => mine(pid)(e) && e.op === "bind", 2000, "the bind record after the one that closed the shim")).toMatchObject({ verdict: "allow" });
    expect(next.counters().bind4.lost).toBe(0n);
  });

  it("unsubscribing the last listener inside it leaves the rest for the next subscriber", async () => {
    const { shim, pid } = await twoRecordsWaiting();
    const got: ShimEvent[] = [];
    const off = shim.onEvent((record) => {
      got.push(event.decode(record));
      off();
    });
    await sleep(300);
    expect(got.map((e) => e.op)).toEqual(["socket"]);
    const events = new EventCollector(shim, cleanup);
    expect(await events.waitFor((e) => mine(pid)(e) && e.op === "bind", 2000, "the bind record")).toMatchObject({ verdict: "allow" });
  });

  it("a failed start of delivery (no fd left for epoll) leaves the next onEvent working", async () => {
    const cg = createTestCgroup(cleanup);
    const pinDir = pinDirName();
    openShimWithCleanup(cleanup, { cgroupPath: cg.path, pinDir, config: OPEN_CONFIG }).close();
    const fixture = packagePath("test", "fixtures", "events-start-fails.mjs");
    const reader = await startIn({}, ["prlimit", "--nofile=256:256", process.execPath, fixture, cg.path, pinDir], cleanup, { readyToken: "ready" });
    await runClient({ cgroup: cg }, [sgclient, "socket", "udp4"]);
    const done = await Promise.race([reader.done, sleep(3000).then(() => undefined)]);
    expect(done, "the second subscription delivered a record").toBeDefined();
    expect(JSON.parse(done!.stdout.trim().split("\n").at(-1)!)).toMatchObject({ first: "SG_ERR_SHIM_SYSCALL/EMFILE" });
  });
});
