// Schemas of prompts, answers and outcomes (types-prompts.ts).

import { ANSWER_ACTIONS, ANSWER_DURATIONS, ANSWER_SCOPES, ANSWERED_BY } from "./types-prompts.js";
import { closed, list, oneOfStrings, open, ref, text, uint32, uint53 } from "./schema-common.js";
import type { Schema } from "./schema-common.js";

const destination = open({ address: text(64), port: { type: "integer", minimum: 0, maximum: 65535 }, host: text(253), hosts: list(text(253), 8), localPort: { type: "integer", minimum: 1, maximum: 65535 } });

export const PROMPT_DEFINITIONS: Record<string, Schema> = {
  PromptId: text(128, 1),
  PromptDestination: destination,
  Prompt: open(
    {
      id: ref("PromptId"),
      uid: uint32,
      kind: oneOfStrings(["single", "many"]),
      app: ref("AppIdentity"),
      operation: ref("Operation"),
      protocol: ref("Protocol"),
      destination: ref("PromptDestination"),
      destinations: list(ref("PromptDestination"), 1024),
      requests: uint53,
      createdAt: uint53,
      deadline: uint53,
      timeoutAction: oneOfStrings(ANSWER_ACTIONS),
      notes: list(text(), 64),
    },
    ["id", "uid", "kind", "app", "operation", "protocol", "destination", "destinations", "requests", "createdAt", "deadline", "timeoutAction"],
  ),
  PromptAnswer: closed(
    {
      action: oneOfStrings(ANSWER_ACTIONS),
      scope: oneOfStrings(ANSWER_SCOPES),
      // A number of minutes up to ten years, as the rule schema allows.
      duration: { oneOf: [oneOfStrings(ANSWER_DURATIONS), closed({ minutes: { type: "integer", minimum: 1, maximum: 5256000 } }, ["minutes"])] },
    },
    ["action", "scope", "duration"],
  ),
  PromptOutcome: open(
    {
      promptId: ref("PromptId"),
      action: oneOfStrings(ANSWER_ACTIONS),
      answeredBy: oneOfStrings(ANSWERED_BY),
      reason: text(),
      rules: list(ref("Rule"), 1024),
    },
    ["promptId", "action", "answeredBy", "reason", "rules"],
  ),
};
