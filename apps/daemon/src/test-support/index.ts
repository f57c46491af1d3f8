// The daemon's end-to-end test support, for other packages' tests (@sockgate/daemon/test-support):
// a real sockgated with users alice and bob, a cgroup and namespaces of its own, API clients
// running as those users, and a DNS server to run in the peer namespace.

import { fileURLToPath } from "node:url";

export { CONNECTED, DaemonFixture, NOT_CONNECTED } from "./daemon-fixture.js";
export type { LogLine } from "./daemon-fixture.js";
export type { ClientProcess, EventTap } from "../api/test-support/client-process.js";
export type { TestUser } from "../api/test-support/users.js";

/** `node DNS_SERVER ADDRESS ANSWER`: answers every A query with ANSWER (see dns-server.mjs). */
export const DNS_SERVER = fileURLToPath(new URL("./dns-server.mjs", import.meta.url));

/**
 * A python3 program that asks `resolver` (port 53) for NAME's A record itself, then connects
 * to the answer's address on `port` and prints "ok ADDRESS": a program whose host name the
 * shim sees resolved over DNS.
 */
export function resolveThenConnect(resolver: string, name: string, port: number): string {
  return `import socket, struct
q = struct.pack(">HHHHHH", 0x5347, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(p)]) + p.encode() for p in "${name}".split(".")) + b"\\0" + struct.pack(">HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5); u.sendto(q, ("${resolver}", 53))
r = u.recv(512); addr = socket.inet_ntoa(r[-4:])
socket.create_connection((addr, ${port}), timeout=10); print("ok", addr)`;
}
