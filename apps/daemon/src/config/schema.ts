// The JSON Schema of /etc/sockgate/config.json, with every default. Validated with ajv
// (useDefaults fills in what the file leaves out); config.schema.json beside this file is
// this object written out (scripts/write-config-schema.mjs), checked by a test.

const action = { enum: ["allow", "deny"] } as const;
const posInt = (dflt: number, max = 2 ** 31 - 1) => ({ type: "integer", minimum: 1, maximum: max, default: dflt }) as const;

export const CONFIG_SCHEMA_ID = "https://sockgate.invalid/schema/config.v1.json";

export const CONFIG_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: CONFIG_SCHEMA_ID,
  title: "sockgated configuration",
  type: "object",
  additionalProperties: false,
  properties: {
    $schema: { type: "string" },
    cgroup: { type: ["string", "null"], default: null, description: "cgroup v2 directory to attach to; null: the cgroup2 mount" },
    pinDir: { type: "string", minLength: 1, default: "/sys/fs/bpf/sockgate" },
    store: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        path: { type: "string", minLength: 1, default: "/var/lib/sockgate/sockgate.db" },
        historyMaxRows: posInt(100_000),
        historyMaxAgeDays: posInt(30, 3650),
      },
    },
    api: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        socket: { type: "string", minLength: 1, default: "/run/sockgate/api.sock" },
        adminGroup: { type: "string", minLength: 1, default: "sockgate" },
        answerExecutables: { type: ["array", "null"], items: { type: "string", pattern: "^/" }, default: null },
      },
    },
    prompts: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        timeoutMs: posInt(60_000, 24 * 3600_000),
        timeoutAction: { ...action, default: "deny" },
        nobodyListening: { ...action, default: "deny" },
        perAppLimit: posInt(5, 1000),
        windowMs: posInt(60_000),
        maxPendingPerUser: posInt(50, 10_000),
      },
    },
    hold: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        namespaces: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
        queueNum: { type: "integer", minimum: 0, maximum: 65535, default: 7351 },
      },
    },
    governed: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        users: {
          default: "human",
          oneOf: [{ const: "human" }, { type: "array", items: { type: ["integer", "string"], minimum: 0, minLength: 1 } }],
        },
        cgroups: { type: "array", items: { type: "string", pattern: "^/" }, default: ["/sockgate.shell"] },
      },
    },
    dns: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: { resolvers: { type: ["array", "null"], items: { type: "string", minLength: 2 }, default: null } },
    },
    defaultRules: { type: "boolean", default: true },
    log: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ["trace", "debug", "info", "warn", "error"], default: "info" },
        decidedAllows: { type: "boolean", default: false },
      },
    },
    countersIntervalMs: posInt(60_000),
  },
} as const;
