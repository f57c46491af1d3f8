import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { prepareSocketPath, publishSocket, removeSocket } from "./socket-file.js";

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(() => {
  servers.splice(0).forEach((s) => s.close());
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "sockgate-sockfile-"));
  dirs.push(d);
  return d;
}

const listen = (path: string): Promise<Server> =>
  new Promise((resolve) => {
    const s = createServer();
    servers.push(s);
    s.listen(path, () => resolve(s));
  });

describe("the socket file", () => {
  it("gets a 0755 directory made for it, and mode 0666", async () => {
    const path = join(temp(), "a", "run", "api.sock");
    const old = process.umask(0o077);
    try {
      expect(await prepareSocketPath(path)).toBeUndefined();
    } finally {
      process.umask(old);
    }
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o755);
    await listen(path);
    publishSocket(path);
    expect(statSync(path).mode & 0o777).toBe(0o666);
  });

  it("leaves an existing directory's mode alone, and says when others cannot reach it", async () => {
    const dir = join(temp(), "private");
    mkdirSync(dir);
    chmodSync(dir, 0o700);
    expect(await prepareSocketPath(join(dir, "api.sock"))).toMatch(/mode 700: users other than its owner cannot reach the socket/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("replaces a dead daemon's socket, but not a live one's, nor a file that is not a socket", async () => {
    const dir = temp();
    chmodSync(dir, 0o755);
    const path = join(dir, "api.sock");
    const live = await listen(path);
    await expect(prepareSocketPath(path)).rejects.toMatchObject({ code: "SG_ERR_API_SOCKET", message: expect.stringMatching(/already serves/) });
    // close() would unlink the socket; a daemon killed with SIGKILL leaves it behind, as this does.
    (live as unknown as { _handle: { close(): void } })._handle.close();
    await expect(prepareSocketPath(path)).resolves.toBeUndefined();
    writeFileSync(path, "not a socket");
    await expect(prepareSocketPath(path)).rejects.toMatchObject({ code: "SG_ERR_API_SOCKET", message: expect.stringMatching(/is not a socket/) });
  });

  it("is removed on stop only if it is still the one this server made", async () => {
    const path = join(temp(), "api.sock");
    await listen(path);
    const ino = publishSocket(path);
    removeSocket(path, ino + 1);
    expect(statSync(path).isSocket()).toBe(true);
    removeSocket(path, ino);
    expect(() => statSync(path)).toThrow();
  });
});
