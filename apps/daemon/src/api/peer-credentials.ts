// Who is on the other end of an accepted connection, from the native addon
// (native/peer-cred.cc, built to build/Release/sockgate_peercred.node by the package's
// build script). Node gives no API for a socket's fd; its Unix-socket handle carries it.

import type { Socket } from "node:net";
import { loadNativeAddon } from "../native-addon.js";

export interface PeerCredentials {
  uid: number;
  gid: number;
  pid: number;
  groups: number[];
  exe: string | null;
  exeVerified: boolean;
  /** SO_PEERPIDFD, open and owned by the caller (close it), or -1 when the kernel has none (before 6.5). */
  pidfd: number;
}

interface PeerAddon {
  peerCredentials(fd: number): PeerCredentials;
}

// From src/api/ (tests) and from dist/ (the bundle): both lead to the package's build/.
const CANDIDATES = ["../../build/Release/sockgate_peercred.node", "../build/Release/sockgate_peercred.node"];
let addon: PeerAddon | undefined;

function loadAddon(): PeerAddon {
  addon ??= loadNativeAddon<PeerAddon>(import.meta.url, CANDIDATES, "peer-credentials");
  return addon;
}

/** The kernel's record of the process that connected `socket` (an accepted Unix-socket connection). */
export function peerCredentials(socket: Socket): PeerCredentials {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) throw new Error("peer credentials: the connection has no file descriptor (already closed?)");
  return loadAddon().peerCredentials(fd);
}
