// Schemas of rules as the API carries them (types-rules.ts). Only the envelope: an id and
// an owner the daemon can authorise; the daemon checks the rest with the engine's parser.

import { bool, closed, list, open, ref, text, uint32 } from "./schema-common.js";
import type { Schema } from "./schema-common.js";

// What the daemon sends: the rule schema's required members, each only as precise as
// routing needs; the rule schema itself (in @sockgate/decision-engine) says the rest.
const rule = open(
  {
    schemaVersion: { type: "integer", minimum: 1 },
    id: ref("RuleId"),
    owner: ref("Owner"),
    action: text(32, 1),
    duration: open({ kind: text(32, 1) }, ["kind"]),
    match: { type: "object" },
    priority: uint32,
    createdAt: { type: "integer", minimum: 0 },
    note: text(),
  },
  ["schemaVersion", "id", "owner", "action", "duration", "match"],
);

// What the client sends: any members (the engine refuses unknown ones), with id and owner checked here.
const ruleInput = open({ id: ref("RuleId"), owner: ref("Owner") });

export const RULE_DEFINITIONS: Record<string, Schema> = {
  RuleId: text(128, 1),
  Rule: rule,
  RuleInput: ruleInput,
  RuleInputWithId: { ...ruleInput, required: ["id"] },
  RuleEntry: open({ rule: ref("Rule"), enabled: bool, notes: list(text(), 64) }, ["rule", "enabled"]),
  ExportDocument: open(
    { format: { const: "sockgate-rules" }, version: { type: "integer", minimum: 1 }, exportedAt: text(64), rules: list(ref("Rule")) },
    ["format", "version", "exportedAt", "rules"],
  ),
  // An export read back in: the store checks format and version and names what is wrong.
  ImportDocument: open({ format: text(64), version: { type: "integer" }, rules: list(ref("RuleInputWithOwner")) }, ["format", "version", "rules"]),
  RuleInputWithOwner: { ...ruleInput, required: ["owner"] },
  ImportResult: open({ imported: uint32, removed: uint32 }, ["imported", "removed"]),
  RuleIdParameters: closed({ id: ref("RuleId") }, ["id"]),
};
