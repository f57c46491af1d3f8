import { afterEach, describe, expect, it } from "vitest";
import { openShim } from "./index.js";
import { createTestCgroup } from "../test/harness/cgroup.js";
import { Cleanup } from "../test/harness/cleanup.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { clientPath, packagePath } from "../test/harness/names.js";
import { startIn } from "../test/harness/spawn.js";
import { openShimWithCleanup, pinDirName } from "../test/harness/world.js";
import { refusal } from "../test/harness/refusal.js";

// One shim per pin directory: a second opener would split the ring buffer's records with
// the first. The lock is a flock on the directory, so it dies with its holder.

describe("pin directory lock", () => {
  const cleanup = new Cleanup();
  afterEach(async () => {
    await cleanup.run();
    assertNoLeftovers();
  });

  it("a second open in this process is refused until the first is closed", () => {
    const cg = createTestCgroup(cleanup);
    const pinDir = pinDirName();
    const first = openShimWithCleanup(cleanup, { cgroupPath: cg.path, pinDir });
    const r = refusal(() => openShim({ cgroupPath: cg.path, pinDir }).close());
    expect(r.code).toBe("SG_ERR_SHIM_LOCKED");
    expect(r.message).toContain(`lock pin directory ${pinDir}: another shim has it open`);
    expect(r.message).toContain(`held by pid ${process.pid}: this process`);
    expect(first.listVerdicts(), "the first shim is untouched").toEqual([]);
    first.close();
    const again = openShim({ cgroupPath: cg.path, pinDir });
    expect(again.adopted).toBe(true);
    again.close();
  });

  it("another process holding the pins refuses this one, and its death frees them", async () => {
    const cg = createTestCgroup(cleanup);
    const pinDir = pinDirName();
    cleanup.add(`unload ${pinDir}`, async () => (await import("./index.js")).unloadShim(pinDir) && undefined);
    const fixture = packagePath("test", "fixtures", "hold-deny.mjs");
    const other = await startIn({}, [process.execPath, fixture, cg.path, pinDir, clientPath("sgclient"), "10.0.0.1", "1"], cleanup);
    const r = refusal(() => openShim({ cgroupPath: cg.path, pinDir }).close());
    expect(r.code).toBe("SG_ERR_SHIM_LOCKED");
    expect(r.message).toContain(`held by pid ${other.pid}`);
    await other.stop(); // SIGKILL: no chance to unlock
    const shim = openShim({ cgroupPath: cg.path, pinDir });
    expect(shim.adopted).toBe(true);
    expect(shim.listVerdicts(), "what the dead process wrote is still there").toHaveLength(1);
    shim.close();
  });
});
