// The kernel-test harness, for other packages' tests that need a real cgroup, network
// namespaces, processes in them and leftover checks (@sockgate/kernel-shim/test-harness).
export { cgroup2Mount, createTestCgroup, type TestCgroup } from "./cgroup.js";
export { Cleanup } from "./cleanup.js";
export { EventCollector } from "./events.js";
export { run, sleep } from "./exec.js";
export { assertNoLeftovers, findLeftovers } from "./leftovers.js";
export { clientPath, uniqueName } from "./names.js";
export { createNetns, type TestNetns } from "./netns.js";
export { runClient, runIn, startIn, type ClientJson, type Place, type ProcResult, type Started } from "./spawn.js";
export { pinDirName } from "./world.js";
