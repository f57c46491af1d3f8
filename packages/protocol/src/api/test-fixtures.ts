// Sample messages for this folder's tests: one valid value of each kind the API carries.

import type { ApiPrompt, PromptOutcome } from "./types-prompts.js";
import type { ApiRule, RuleEntry } from "./types-rules.js";
import type { HistoryEntry } from "./types-history.js";

export const RULE: ApiRule = {
  schemaVersion: 1,
  id: "r-1",
  owner: { kind: "user", uid: 1000 },
  action: "allow",
  duration: { kind: "forever" },
  match: { exe: "/usr/bin/curl", remoteHost: ["example.org"], remotePort: [443] },
};

export const RULE_ENTRY: RuleEntry = { rule: RULE, enabled: true };

export const PROMPT: ApiPrompt = {
  id: "p-1",
  uid: 1000,
  kind: "single",
  app: { exePath: "/usr/bin/curl", exeDev: 2049, exeIno: 1234, uid: 1000, pid: 4242, startTime: 99, cmdline: ["curl", "https://example.org"], flags: [] },
  operation: "connect",
  protocol: "tcp",
  destination: { address: "93.184.216.34", port: 443, host: "example.org" },
  destinations: [{ address: "93.184.216.34", port: 443, host: "example.org" }],
  requests: 1,
  createdAt: 1_700_000_000_000,
  deadline: 1_700_000_060_000,
  timeoutAction: "deny",
};

export const OUTCOME: PromptOutcome = { promptId: "p-1", action: "allow", answeredBy: "user", reason: "answered by uid 1000", rules: [RULE] };

export const HISTORY_ENTRY: HistoryEntry = {
  seq: 7,
  at: 1_700_000_000_000,
  uid: 1000,
  exe: "/usr/bin/curl",
  op: "connect",
  proto: "tcp",
  remoteAddr: "93.184.216.34",
  remotePort: 443,
  localPort: null,
  host: "example.org",
  verdict: "allow",
  reason: "rule",
  ruleId: "r-1",
};

export const ANSWER = { action: "allow", scope: "host", duration: "forever" } as const;
