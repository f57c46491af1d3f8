// Builders for tests: a request and a rule with sensible defaults, overridable per field.

import type { AppIdentity, Request } from "@sockgate/protocol";
import type { Rule, RuleMatch } from "../src/rule-types.js";

export function request(over: Partial<Omit<Request, "app">> & { app?: Partial<AppIdentity> } = {}): Request {
  const { app, ...rest } = over;
  return {
    operation: "connect",
    protocol: "tcp",
    family: "ipv4",
    remote: { address: "192.0.2.10", port: 443 },
    ...rest,
    app: { exePath: "/usr/bin/curl", exeDev: 0x800001, exeIno: 1234, exePathVerified: true, uid: 1000, userName: "alice", pid: 4242, startTime: 777, ...app },
  };
}

let seq = 0;
export function rule(match: RuleMatch, over: Partial<Rule> = {}): Rule {
  seq++;
  return {
    schemaVersion: 1,
    id: `r${String(seq).padStart(6, "0")}`,
    owner: { kind: "user", uid: 1000 },
    action: "allow",
    duration: { kind: "forever" },
    match,
    ...over,
  };
}
