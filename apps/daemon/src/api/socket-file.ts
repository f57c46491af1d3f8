// The socket's place on disk. The directory is created 0755 when missing (an existing one,
// such as systemd's RuntimeDirectory, is left as it is); the socket is made 0666 because
// who may do what is decided by the peer's credentials, not by the file's mode. A socket
// left by a daemon that died is replaced; one a live daemon answers on, or a file that is
// not a socket, is not touched.

import { chmodSync, existsSync, lstatSync, mkdirSync, statSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";

export class ApiSocketError extends Error {
  /** Stable, for the daemon's exit message and tests. */
  readonly code = "SG_ERR_API_SOCKET";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ApiSocketError";
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

/** Makes `path` free to listen on; returns a warning to log when clients may not reach it. */
export async function prepareSocketPath(path: string): Promise<string | undefined> {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755); // mkdir's mode is narrowed by the umask
  }
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat !== undefined) {
    if (!stat.isSocket()) throw new ApiSocketError(`${path} exists and is not a socket; refusing to replace it (remove it or configure another socket path)`);
    if (await answers(path)) throw new ApiSocketError(`another process already serves ${path} (is sockgated running?)`);
    unlinkSync(path);
  }
  const mode = statSync(dir).mode;
  return (mode & 0o005) !== 0o005 ? `${dir} is mode ${(mode & 0o777).toString(8)}: users other than its owner cannot reach the socket in it` : undefined;
}

/** The socket's inode once listening, so stop() removes only its own socket. */
export function publishSocket(path: string): number {
  chmodSync(path, 0o666);
  return statSync(path).ino;
}

export function removeSocket(path: string, ino: number): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat?.isSocket() && stat.ino === ino) unlinkSync(path);
}
