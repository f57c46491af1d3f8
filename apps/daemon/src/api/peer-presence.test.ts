import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { loadPidfd } from "../pidfd.js";
import { peerPresence } from "./peer-presence.js";
import { readProcStat } from "./process-tree.js";

async function withChild(run: (pid: number, end: () => Promise<void>) => Promise<void>): Promise<void> {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  await once(child, "spawn");
  const end = async () => {
    child.kill("SIGKILL");
    await once(child, "exit"); // reaped: the pid is free
  };
  try {
    await run(child.pid!, end);
  } finally {
    if (child.exitCode === null && child.signalCode === null) await end();
  }
}

describe("peerPresence", () => {
  const addon = loadPidfd();

  it("with a pidfd: present while the process runs, not once it is reaped, and never after close", async () => {
    expect(addon).toBeDefined();
    await withChild(async (pid, end) => {
      const fd = addon!.pidfdOpen(pid);
      expect(fd).toBeGreaterThanOrEqual(0);
      const p = peerPresence(pid, fd, addon);
      expect(p.startTime).toBe(readProcStat(pid)!.startTime);
      expect(p.present()).toBe(true);
      await end();
      expect(p.present()).toBe(false);
      p.close();
      expect(p.present()).toBe(false);
    });
  });

  it("without a pidfd: present while its pid has the start time read at accept", async () => {
    await withChild(async (pid, end) => {
      const p = peerPresence(pid, -1, addon);
      expect(p.present()).toBe(true);
      await end();
      expect(p.present()).toBe(false);
    });
  });

  it("a process already gone when accepted is never present", async () => {
    await withChild(async (pid, end) => {
      const fd = addon!.pidfdOpen(pid);
      await end();
      const p = peerPresence(pid, fd, addon);
      expect(p.startTime).toBeNull();
      expect(p.present()).toBe(false);
      p.close();
    });
  });
});
