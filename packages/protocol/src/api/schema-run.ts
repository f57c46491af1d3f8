// Schemas of `sockgate run`'s methods (types-run.ts).

import { REQUEST_OPERATIONS } from "../request.js";
import { bool, closed, list, oneOfStrings, open, ref, tagged, text, uint32, uint53 } from "./schema-common.js";
import type { Schema } from "./schema-common.js";

const endpoint = closed({ address: text(64, 1), port: { type: "integer", minimum: 0, maximum: 65535 } }, ["address", "port"]);
const session = text(64, 1);

export const RUN_DEFINITIONS: Record<string, Schema> = {
  RunEndpoint: endpoint,
  RunProfile: closed({ name: text(128, 1), rules: list({ type: "object" }, 4096), unmatched: oneOfStrings(["ask", "deny"]) }, ["name", "rules"]),
  SuperviseParameters: closed({ pid: uint32, profile: ref("RunProfile") }, ["pid"]),
  SupervisionEvent: tagged(
    "type",
    {
      started: { properties: { session, governedBy: oneOfStrings(["uid", "cgroup"]), cgroup: text(), profileRules: uint32 }, required: ["session", "governedBy"] },
      "rules-changed": { properties: { generation: uint53 }, required: ["generation"] },
      ended: { properties: { reason: oneOfStrings(["cancelled", "shutdown"]) }, required: ["reason"] },
    },
    "open",
  ),
  SuperviseReply: open({ event: ref("SupervisionEvent") }, ["event"]),
  RunCall: closed(
    {
      session,
      tid: uint32,
      operation: oneOfStrings(REQUEST_OPERATIONS),
      socket: closed({ domain: uint32, type: uint32, protocol: uint32 }, ["domain", "type", "protocol"]),
      fd: uint32,
      cookie: { type: "string", pattern: "^[1-9][0-9]{0,19}$" },
      local: ref("RunEndpoint"),
      remote: ref("RunEndpoint"),
    },
    ["session", "tid", "operation"],
  ),
  DecideCallParameters: closed({ call: ref("RunCall") }, ["call"]),
  RunVerdict: open(
    {
      action: oneOfStrings(["allow", "deny"]),
      reason: text(),
      cache: tagged("scope", { call: {}, rules: { properties: { until: uint53 } } }, "open"),
      ruleId: text(256, 1),
      promptId: ref("PromptId"),
      onCheckedSocket: bool,
    },
    ["action", "reason", "cache"],
  ),
  DecideCallReply: open({ verdict: ref("RunVerdict") }, ["verdict"]),
};
