// The io.sockgate.v1 interface as data: one JSON Schema document whose definitions describe
// every message, the envelope of calls and replies, and the interface description (methods,
// errors) around it. schema/io.sockgate.v1.json is this object, committed; schema.test.ts
// fails when the two differ (regenerate with `pnpm --filter @sockgate/protocol schema:api`).

import { API_ERRORS } from "./errors.js";
import { API_INTERFACE } from "./interface.js";
import { COMMON_DEFINITIONS, bool, closed, ref, text } from "./schema-common.js";
import type { Schema } from "./schema-common.js";
import { HISTORY_DEFINITIONS } from "./schema-history.js";
import { COMMON_ERRORS, METHOD_DEFINITIONS, METHODS } from "./schema-methods.js";
import { PROMPT_DEFINITIONS } from "./schema-prompts.js";
import { RULE_DEFINITIONS } from "./schema-rules.js";
import { RUN_DEFINITIONS } from "./schema-run.js";
import { STATUS_DEFINITIONS } from "./schema-status.js";

export const API_SCHEMA_ID = "https://sockgate.dev/schema/io.sockgate.v1.json";

const ENVELOPE_DEFINITIONS: Record<string, Schema> = {
  Call: closed({ id: ref("CallId"), method: text(256, 1), parameters: { type: "object" }, more: bool }, ["id", "method"]),
  Reply: {
    type: "object",
    required: ["id"],
    properties: { id: { type: ["integer", "string", "null"] } },
    if: { properties: { error: true }, required: ["error"] },
    then: { properties: { error: { type: "string", pattern: "^io\\.sockgate\\." }, message: { type: "string" }, parameters: { type: "object" } }, required: ["error", "message"] },
    else: { properties: { parameters: { type: "object" }, continues: bool }, required: ["parameters"] },
  },
};

export const API_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: API_SCHEMA_ID,
  title: `${API_INTERFACE}: sockgated's client API`,
  definitions: {
    ...ENVELOPE_DEFINITIONS,
    ...COMMON_DEFINITIONS,
    ...PROMPT_DEFINITIONS,
    ...RULE_DEFINITIONS,
    ...HISTORY_DEFINITIONS,
    ...STATUS_DEFINITIONS,
    ...METHOD_DEFINITIONS,
    ...RUN_DEFINITIONS,
  },
};

/** The whole interface: framing, methods, errors and the schema, like a varlink interface file. */
export const API_DESCRIPTION = {
  interface: API_INTERFACE,
  framing:
    "One JSON object per line (UTF-8, newline-terminated) each way. A call is {id, method, parameters?, more?}; every reply echoes the call's id and is {parameters, continues?} or {error, message, parameters?}. The first call is Hello.",
  methods: METHODS,
  commonErrors: COMMON_ERRORS,
  errors: API_ERRORS,
  schema: API_SCHEMA,
};
