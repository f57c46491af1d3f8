import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abi } from "@sockgate/protocol";
import { sleep } from "../test/harness/exec.js";
import { assertNoLeftovers } from "../test/harness/leftovers.js";
import { startIn } from "../test/harness/spawn.js";
import { lineageIncludes } from "./index.js";
import { tempDir } from "../test/harness/temp-dir.js";
import { createShimWorld, type ShimWorld } from "../test/harness/world.js";

// The ancestry the shim records at fork: a grandchild whose parent exited (re-parented, so
// /proc shows no way back) still names its parent and grandparent, also after an exec from
// a thread that was not the leader (the exec replaces the leader's task).

const startTicks = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
};

// argv[1]: where the grandchild writes {grandchild, child, ppid} once it is re-parented.
const SCRIPT = `
import os, sys, threading, time, json
child = os.fork()
if child == 0:
    parent = os.getpid()
    if os.fork() == 0:
        while os.getppid() == parent: time.sleep(0.01)
        open(sys.argv[1], "w").write(json.dumps({"grandchild": os.getpid(), "child": parent, "ppid": os.getppid()}))
        print("reparented", flush=True)
        time.sleep(0.5)
        again = "import time; print('execd', flush=True); time.sleep(10)"
        threading.Thread(target=lambda: os.execv(sys.executable, [sys.executable, "-c", again])).start()
        time.sleep(10)
    os._exit(0)
os.waitpid(child, 0)
time.sleep(10)
`;

describe("ancestry recorded at fork", () => {
  let w: ShimWorld;
  let dir: string;

  beforeAll(async () => {
    w = await createShimWorld({ servers: false });
    dir = tempDir(w.cleanup);
  });
  afterAll(async () => {
    await w?.cleanup.run();
    assertNoLeftovers();
  });

  it("a double-forked grandchild still names its parent and grandparent, and keeps them through an exec from a thread", async () => {
    const reportFile = join(dir, "report.json");
    const grandparent = await startIn(w.inside, ["python3", "-c", SCRIPT, reportFile], w.cleanup, { readyToken: "reparented" });
    let out = "";
    grandparent.child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const report = JSON.parse(readFileSync(reportFile, "utf8")) as { grandchild: number; child: number; ppid: number };
    w.cleanup.add("kill the grandchild", () => {
      try {
        process.kill(report.grandchild, "SIGKILL");
      } catch {
        // gone already
      }
    });
    expect(report.ppid, "re-parented: /proc no longer leads to the grandparent").not.toBe(report.child);
    const lineage = w.shim.lineageOf(report.grandchild);
    // the child has exited: its start tick is whatever it was, the pid is what it had
    expect(lineage?.ancestors[0]?.pid).toBe(report.child);
    expect(lineage?.ancestors[1]).toEqual({ pid: grandparent.pid, startTicks: startTicks(grandparent.pid) });
    expect(lineage!.depth).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 100 && !out.includes("execd"); i++) await sleep(20);
    expect(out).toContain("execd");
    expect(w.shim.lineageOf(report.grandchild), "after the exec from a thread").toEqual(lineage);
  });

  it("a chain of forks longer than the record cannot shed the process it started from", async () => {
    // each link forks the next and exits at once; the last reports once it is re-parented
    const chain = `
import os, sys, time
for i in range(${abi.LINEAGE_MAX + 8}):
    me = os.getpid()
    if os.fork() != 0:
        if i > 0: os._exit(0)
        time.sleep(10); sys.exit(0)
while os.getppid() == me: time.sleep(0.01)
open(sys.argv[1], "w").write(str(os.getpid()))
print("reparented", flush=True)
time.sleep(10)
`;
    const reportFile = join(dir, "last.txt");
    const first = await startIn(w.inside, ["python3", "-c", chain, reportFile], w.cleanup, { readyToken: "reparented" });
    const last = Number(readFileSync(reportFile, "utf8"));
    w.cleanup.add("kill the last link", () => {
      try {
        process.kill(last, "SIGKILL");
      } catch {
        // gone already
      }
    });
    const lineage = w.shim.lineageOf(last)!;
    expect(lineage.depth).toBeGreaterThanOrEqual(abi.LINEAGE_MAX + 8);
    expect(lineage.ancestors.map((a) => a.pid), "the first process fell off the named ones").not.toContain(first.pid);
    expect(lineageIncludes(lineage, first.pid, startTicks(first.pid)), "it is in the filter").toBe(true);
    expect(lineageIncludes(lineage, process.pid, startTicks(process.pid)), "and so is the test, older still").toBe(true);
  });

  it("a process older than the shim has none, nor does a pid nobody has", () => {
    expect(w.shim.lineageOf(1)).toBeUndefined();
    expect(w.shim.lineageOf(4_194_303)).toBeUndefined();
  });
});
