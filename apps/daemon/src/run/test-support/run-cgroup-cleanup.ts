// sockgate run moves an ungoverned user's command into <the shim's cgroup>/sockgate.run;
// a test that runs one as root removes that cgroup (killing what is left in it) before
// the fixture removes its own.

import { existsSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "@sockgate/kernel-shim/test-harness";
import type { Cleanup } from "@sockgate/kernel-shim/test-harness";
import { RUN_CGROUP_NAME } from "../daemon/run-cgroup.js";

export function removeRunCgroupOnCleanup(cleanup: Cleanup, shimCgroupPath: string): void {
  const dir = join(shimCgroupPath, RUN_CGROUP_NAME);
  cleanup.add(`remove ${dir}`, async () => {
    if (!existsSync(dir)) return;
    for (let i = 0; i < 100 && readFileSync(join(dir, "cgroup.procs"), "utf8").trim() !== ""; i++) {
      writeFileSync(join(dir, "cgroup.kill"), "1");
      await sleep(20);
    }
    rmdirSync(dir);
  });
}
