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
