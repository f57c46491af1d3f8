import { closeSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { peerCredentials } from "./peer-credentials.js";
import { kernelHasPeerPidfd } from "./test-support/kernel.js";

describe("peerCredentials", () => {
  it("reads the connecting process's uid, gid, pid, groups and executable from the kernel", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sockgate-peercred-"));
    const path = join(dir, "s.sock");
    let client: Socket | undefined;
    try {
      const accepted = await new Promise<Socket>((resolve) => {
        const server = createServer((s) => {
          server.close();
          resolve(s);
        });
        server.listen(path, () => {
          client = connect(path);
        });
      });
      const { pidfd, ...creds } = peerCredentials(accepted);
      // The pidfd names this very process: it is open, and ours to close.
      expect(pidfd >= 0).toBe(kernelHasPeerPidfd());
      if (pidfd >= 0) {
        expect(readlinkSync(`/proc/self/fd/${pidfd}`)).toBe("anon_inode:[pidfd]");
        expect(readFileSync(`/proc/self/fdinfo/${pidfd}`, "utf8")).toMatch(new RegExp(`^Pid:\\s+${process.pid}$`, "m"));
        closeSync(pidfd);
      }
      expect(creds).toEqual({
        uid: process.getuid!(),
        gid: process.getgid!(),
        pid: process.pid,
        groups: expect.arrayContaining(process.getgroups!().filter((g) => g !== process.getgid!())),
        exe: realpathSync(process.execPath),
        exeVerified: kernelHasPeerPidfd(),
      });
      accepted.destroy();
      expect(() => peerCredentials(accepted)).toThrow(/no file descriptor/);
    } finally {
      client?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
