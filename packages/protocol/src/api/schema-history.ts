// Schemas of history queries, entries and live activity (types-history.ts).

import { closed, nullable, open, ref, text, uint32, uint53 } from "./schema-common.js";
import type { Schema } from "./schema-common.js";

const port = { type: "integer", minimum: 0, maximum: 65535 };

const activityMembers: Record<string, Schema> = {
  at: uint53,
  uid: uint32,
  exe: text(),
  op: text(32),
  proto: text(32),
  remoteAddr: nullable(text(64)),
  remotePort: nullable(port),
  localPort: nullable(port),
  host: nullable(text(253)),
  verdict: text(32),
  reason: text(),
  ruleId: nullable(text(128)),
  pid: uint32,
  count: uint53,
  answeredBy: open({ pid: uint32, exe: nullable(text()) }, ["pid", "exe"]),
};
const activityRequired = ["at", "uid", "exe", "op", "proto", "remoteAddr", "remotePort", "localPort", "host", "verdict", "reason", "ruleId"];

export const HISTORY_DEFINITIONS: Record<string, Schema> = {
  Activity: open(activityMembers, activityRequired),
  HistoryEntry: open({ seq: uint53, ...activityMembers }, ["seq", ...activityRequired]),
  HistoryQuery: closed({
    uid: uint32,
    exe: text(4096, 1),
    host: text(253, 1),
    verdict: text(32, 1),
    since: uint53,
    until: uint53,
    before: closed({ at: uint53, seq: uint53 }, ["at", "seq"]),
    limit: { type: "integer", minimum: 1, maximum: 10_000 },
  }),
  HistoryReply: open({ entries: { type: "array", items: ref("HistoryEntry"), maxItems: 10_000 } }, ["entries"]),
};
