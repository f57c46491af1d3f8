// Schema of the Status reply (types-status.ts).

import { bool, list, oneOfStrings, open, text, uint32, uint53 } from "./schema-common.js";
import type { Schema } from "./schema-common.js";

const counts = (values: Schema): Schema => ({ type: "object", additionalProperties: values });

export const STATUS_DEFINITIONS: Record<string, Schema> = {
  Status: open(
    {
      daemon: open({ version: text(64), pid: uint32, startedAt: uint53 }, ["version", "pid", "startedAt"]),
      api: open({ interface: text(64), connections: uint32, promptSubscribers: uint32 }, ["interface", "connections", "promptSubscribers"]),
      prompts: open({ pending: uint53 }, ["pending"]),
      flows: open({ pending: uint53, queueDrops: uint53 }, ["pending", "queueDrops"]),
      maps: counts(open({ used: uint53, capacity: uint53 }, ["used", "capacity"])),
      counters: counts(counts({ type: "number" })),
      governed: open({ users: text(), cgroups: list(text(), 1024), notes: list(text(), 1024) }, ["users", "cgroups"]),
      failure: counts(oneOfStrings(["allow", "deny"])),
      kernelFeatures: counts(bool),
    },
    ["daemon", "api"],
  ),
};
