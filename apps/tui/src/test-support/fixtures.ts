// Made-up prompts, rules and history for component and unit tests: plain API data, as the
// daemon sends it.

import type { ActivityEntry, ApiPrompt, HelloReply, HistoryEntry, RuleEntry } from "@sockgate/protocol/client";
import { initialState } from "../state/initial.js";
import type { TuiState } from "../state/types.js";

export const NOW = Date.UTC(2025, 0, 31, 14, 3, 0);
export const UID = 1001;

export const HELLO: HelloReply = {
  interface: "io.sockgate.v1",
  server: { name: "sockgated", version: "0.1.0" },
  peer: { uid: UID, gid: UID, pid: 4000, groups: [], admin: false },
  limits: { maxMessageBytes: 1 << 20 },
};

export function prompt(over: Partial<ApiPrompt> = {}): ApiPrompt {
  return {
    id: "p1",
    uid: UID,
    kind: "single",
    app: { exePath: "/usr/bin/curl", exeDev: 2049, exeIno: 1234, uid: UID, userName: "alice", pid: 4242, parentExe: "/usr/bin/bash", cmdline: ["curl", "-sI", "https://deb.debian.org/"], cmdlineSource: "exec" },
    operation: "connect",
    protocol: "tcp",
    destination: { address: "151.101.2.132", port: 443, host: "deb.debian.org", hosts: ["deb.debian.org", "debian.map.fastly.net"] },
    destinations: [{ address: "151.101.2.132", port: 443, host: "deb.debian.org" }],
    requests: 1,
    createdAt: NOW - 18_000,
    deadline: NOW + 42_000,
    timeoutAction: "deny",
    ...over,
  };
}

export function rule(id: string, over: Partial<RuleEntry["rule"]> = {}, enabled = true, notes?: string[]): RuleEntry {
  return {
    rule: { schemaVersion: 1, id, owner: { kind: "user", uid: UID }, action: "allow", duration: { kind: "forever" }, match: { exe: "/usr/bin/curl", operation: ["connect"], protocol: ["tcp"], remoteHost: ["deb.debian.org"], remotePort: [443] }, createdAt: NOW - 3_600_000, ...over },
    enabled,
    ...(notes ? { notes } : {}),
  };
}

export function activity(i: number, over: Partial<ActivityEntry> = {}): ActivityEntry {
  return { at: NOW - (40 - i) * 1000, uid: UID, exe: i % 3 === 0 ? "/usr/bin/python3.11" : "/usr/bin/curl", op: "connect", proto: "tcp", remoteAddr: `10.0.0.${i % 250}`, remotePort: 443, localPort: null, host: i % 2 === 0 ? "deb.debian.org" : null, verdict: i % 5 === 0 ? "deny" : "allow", reason: "rule", ruleId: i % 5 === 0 ? "r-deny-all" : "r-curl-debian", ...over };
}

export function history(n: number, span: number): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = 0; i < n; i++) {
    // a burst towards the end, a quiet middle: something for the chart to show
    const at = NOW - Math.floor(span * ((i * 7919) % 1000) / 1000) ** 1;
    out.push({ ...activity(i), at: i % 4 === 0 ? NOW - (i % 17) * 60_000 : at, seq: i + 1, exe: i % 3 === 0 ? "/usr/bin/python3.11" : i % 7 === 0 ? "/usr/lib/firefox/firefox" : "/usr/bin/curl" });
  }
  return out;
}

/** A connected state at NOW. */
export function connected(): TuiState {
  const s = initialState("/run/sockgate/api.sock", NOW);
  return { ...s, link: { kind: "up", socketPath: "/run/sockgate/api.sock", hello: HELLO } };
}
