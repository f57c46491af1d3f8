// Who is on the other end of an accepted connection, from the native addon
// (native/peer-cred.cc, built to build/Release/sockgate_peercred.node by the package's
// build script). Node gives no API for a socket's fd; its Unix-socket handle carries it.

import { createRequire } from "node:module";
import type { Socket } from "node:net";

export interface PeerCredentials {
  uid: number;
  gid: number;
  pid: number;
  groups: number[];
  exe: string | null;
  exeVerified: boolean;
}

interface PeerAddon {
  peerCredentials(fd: number): PeerCredentials;
}

// From src/api/ (tests) and from dist/ (the bundle): both lead to the package's build/.
const CANDIDATES = ["../../build/Release/sockgate_peercred.node", "../build/Release/sockgate_peercred.node"];
let addon: PeerAddon | undefined;

function loadAddon(): PeerAddon {
  if (addon !== undefined) return addon;
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of CANDIDATES) {
    try {
      addon = require(path) as PeerAddon;
      return addon;
    } catch (err) {
      failures.push(`${path}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(`loading the peer-credentials addon failed: expected it built (run "pnpm --filter @sockgate/daemon build"); tried ${failures.join("; ")}`);
}

/** The kernel's record of the process that connected `socket` (an accepted Unix-socket connection). */
export function peerCredentials(socket: Socket): PeerCredentials {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) throw new Error("peer credentials: the connection has no file descriptor (already closed?)");
  return loadAddon().peerCredentials(fd);
}
